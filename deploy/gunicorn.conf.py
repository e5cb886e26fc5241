"""gunicorn's settings for the site, read by `gunicorn -c deploy/gunicorn.conf.py 'app:create_app()'`.

One file for every instance: the systemd unit ledger@PORT sets LEDGER_BIND, so ledger@8001 and ledger@8002
are two servers nginx spreads requests over (deploy/nginx/ledger.conf). The site's own settings come
from the environment (/etc/ledger/env), as the README's production section says.
"""

import multiprocessing
import os

# Where this instance listens: loopback only, nginx is the one in front.
bind = os.environ.get("LEDGER_BIND", "127.0.0.1:8001")

# gunicorn's rule of thumb, 2 x cores + 1 sync workers, per instance; capped, since each worker is a
# whole process with its own page cache and database pool. WEB_CONCURRENCY (gunicorn's own name) overrides.
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 12)))
# Sync workers: nginx buffers slow readers and slow uploads, so a worker is never held by one.
worker_class = "sync"
# A request taking longer than this is stuck: the worker is killed and replaced.
timeout = 30
# On a stop or a reload (HUP), workers get this long to finish the requests they hold.
graceful_timeout = 20
# A worker replaced after this many requests (jittered, so all do not restart at once) bounds any slow leak.
max_requests = 5000
max_requests_jitter = 500

# Logs to stdout and stderr, where journald keeps them with the unit's name and its own timestamps.
accesslog = "-"
errorlog = "-"
# The reader's address as nginx forwarded it (the peer is always nginx), the request, status, bytes, time.
access_log_format = '%({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

# Only nginx on this machine may say the request came over HTTPS (X-Forwarded-Proto): gunicorn's default,
# written out since the site's Secure cookies and https:// links depend on it.
forwarded_allow_ips = "127.0.0.1"

# gunicorn's control socket (for gunicornc) defaults to one path per user, which two instances would share: each
# instance gets its own in the runtime folder systemd makes for it (RuntimeDirectory=), and none without one.
if os.environ.get("RUNTIME_DIRECTORY"):
    control_socket = os.path.join(os.environ["RUNTIME_DIRECTORY"], "gunicorn.ctl")
else:
    control_socket_disable = True
