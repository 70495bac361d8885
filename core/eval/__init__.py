"""The evaluation workbench without Qt: test sets, templates, import and export, runs,
assertions, judge prompts and replies, summaries and the files they are kept in."""
