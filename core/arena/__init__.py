"""The blind arena without Qt: battles and votes, their files, and the ratings."""
