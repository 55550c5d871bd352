#!/usr/bin/env bash
# Fails with instructions when the MySQL server the test suite needs is not reachable.
set -uo pipefail
py="${1:-.venv/bin/python}"

# The usage-plan tests (shared throttle state) need Redis on 127.0.0.1:6379, whatever the database.
if ! "$py" -c 'import redis; redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=3).ping()' 2>/dev/null; then
  cat >&2 <<'MSG'
Redis is not reachable on 127.0.0.1:6379 (the API usage-plan tests share their limits through it).
Start it with one of:
  sudo service redis-server start
  docker run -d -p 6379:6379 redis:7
MSG
  exit 1
fi

# A custom TEST_DATABASE_URL is the caller's responsibility; the default server is checked here.
[ -n "${TEST_DATABASE_URL:-}" ] && exit 0

if "$py" -c 'import MySQLdb; MySQLdb.connect(host="127.0.0.1", port=3306, user="root", connect_timeout=3).close()' 2>/dev/null; then
  # Date drill-downs with USE_TZ need MySQL's time-zone tables; load them once if they are empty.
  zones=$("$py" -c 'import MySQLdb; c=MySQLdb.connect(host="127.0.0.1", user="root").cursor(); c.execute("SELECT COUNT(*) FROM mysql.time_zone_name"); print(c.fetchone()[0])' 2>/dev/null || echo 0)
  if [ "${zones:-0}" = "0" ]; then
    if command -v mysql_tzinfo_to_sql >/dev/null 2>&1 && command -v mysql >/dev/null 2>&1; then
      echo "Loading MySQL time-zone tables (once)…"
      mysql_tzinfo_to_sql /usr/share/zoneinfo 2>/dev/null | mysql -uroot -h127.0.0.1 mysql
    else
      echo "MySQL time-zone tables are empty; load them: mysql_tzinfo_to_sql /usr/share/zoneinfo | mysql -uroot mysql" >&2
      exit 1
    fi
  fi
  exit 0
fi
cat >&2 <<'MSG'
MySQL/MariaDB is not reachable on 127.0.0.1:3306 (user root, no password).
The tests run against MySQL like production. Start it with one of:
  sudo start-stop-daemon --start --oknodo --background --exec "$(command -v mariadbd)"
  sudo service mariadb start
  docker run -d -p 3306:3306 -e MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1 mariadb:10.11
Or point TEST_DATABASE_URL at another server: mysql://USER:PASSWORD@HOST:PORT/NAME
MSG
exit 1
