"""The blind arena page: anonymous battles, votes and the leaderboard."""
