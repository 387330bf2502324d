"""The pull-request feature: which events start a review, what is read, what is selected."""
