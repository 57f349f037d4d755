"""Entry point of a generator worker process; see parallel.py."""

import sys

from analytics_pipeline.lib.generator.parallel import serve

if __name__ == "__main__":
    serve(sys.stdin, sys.stdout)
