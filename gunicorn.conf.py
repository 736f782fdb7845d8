"""gunicorn's settings in production (it reads this file from the working directory; command-line
options win over it).

Workers: ``WEB_CONCURRENCY``, else two per core and one more, as gunicorn recommends. Each sync
worker waits on PostgreSQL for part of every request: with three on two cores the load test held
60 requests a second at half the CPU, the rest queueing in front of busy workers; with five, 100
(`make load`, README → Performance). A worker stays under 150 MB.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count() + 1)
timeout = 60
accesslog = "-"
# gunicorn's default line carries the request line and the Referer, query strings included: a
# search by resident ID or phone (`?q=…`) would land in the access log in plain text. Log the
# path alone (%(U)s), never the query (%(q)s, %(r)s) or the referring page (%(f)s).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s "%(a)s"'
