"""The evaluation workbench page: test sets × configurations, run, graded and compared."""
