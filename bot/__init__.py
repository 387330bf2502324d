"""hybridize-bot: the GitHub App that reviews pull requests for tf.function misuse.

The package is the I/O edge around the pure `analysis` package: HTTP server (webhook.py, server.py),
GitHub App authentication (auth.py), a retrying GitHub client (github.py), a durable job queue
(queue.py) and the workers that run feature handlers (worker.py, routing.py).
"""

__version__ = "0.1.0"
