"""tap-ruddr as published, pointed at the mock: ``python run_tap_ruddr.py --config FILE [--discover |
--catalog FILE]`` (the tap's own Singer command line).

The tap's streams hard-code ``url_base`` (https://www.ruddr.io/api/workspace) and never read its
own ``api_url`` setting; the one change here makes ``url_base`` read ``api_url``.
"""

from tap_ruddr.client import ruddrStream
from tap_ruddr.tap import Tapruddr

ruddrStream.url_base = property(lambda stream: stream.config["api_url"])

if __name__ == "__main__":
    Tapruddr.cli()
