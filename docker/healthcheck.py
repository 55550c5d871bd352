"""Container health probe (the Dockerfile's HEALTHCHECK): exit status 0 when healthy, 1 when not.

The image runs several roles but only the web role serves HTTP. In a web container the probe asks
gunicorn for ``/health/live`` on the loopback port. The other roles (worker, beat, the one-off
tasks) have nothing to ask: their program is the container's main process (the entrypoint
``exec``s it), so the container stops when it does, and the probe reports them healthy.
"""

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

TIMEOUT_SECONDS = 4  # below the HEALTHCHECK's --timeout


def serves_http() -> bool:
    """True when a gunicorn process runs in this container, i.e. this is the web role."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if b"gunicorn" in cmdline.read_bytes():
                return True
        except OSError:  # the process ended while we looked
            continue
    return False


def main() -> int:
    if not serves_http():
        return 0
    url = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/health/live"
    try:
        # A fixed http://127.0.0.1 URL: no scheme or host comes from outside.
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # nosec B310
            healthy = response.status == 200
    except (urllib.error.URLError, OSError) as exc:
        sys.stderr.write(f"unhealthy: {url}: {exc}\n")
        return 1
    if not healthy:
        sys.stderr.write(f"unhealthy: {url} answered {response.status}\n")
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
