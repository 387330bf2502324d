"""Publishing analysis results to GitHub: check runs, review comments, the summary comment."""
