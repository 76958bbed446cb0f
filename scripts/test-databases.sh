#!/usr/bin/env bash
# Starts the test databases on loopback only, for the PostgreSQL and MariaDB runs of the test
# suite: Debian's PostgreSQL 15 cluster and MariaDB, each with a throwaway user that may create
# databases. Run as root (CI does, see .ci/run); running it again changes nothing. No systemd
# is needed: PostgreSQL starts through pg_ctlcluster, MariaDB as a background mariadbd.
#
#   PostgreSQL: postgresql://foxden_test:foxden_test@127.0.0.1:5432/postgres  (CREATEDB)
#   MariaDB:    mysql://foxden_test:foxden_test@127.0.0.1:3306/               (ALL on foxden\_test%.*)
#
# test/helpers/databases.ts uses these by default (FOXDEN_TEST_POSTGRES_URL and
# FOXDEN_TEST_MYSQL_URL point it elsewhere).
set -euo pipefail

TEST_USER=foxden_test
TEST_PASSWORD=foxden_test
PG_VERSION=15
PG_CLUSTER=main
PG_PORT=5432
MY_PORT=3306
MY_RUN=/run/mysqld
MY_DATA=/var/lib/mysql
# Every wait below gives up after this many seconds.
WAIT_SECONDS=60

fail() {
  echo "test-databases: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || fail "run me as root (sudo bash scripts/test-databases.sh)"

# --- PostgreSQL --------------------------------------------------------------------------
command -v pg_ctlcluster >/dev/null 2>&1 || fail "PostgreSQL is not installed (apt-get install postgresql)"
if ! pg_lsclusters -h "$PG_VERSION" "$PG_CLUSTER" 2>/dev/null | grep -q .; then
  pg_createcluster "$PG_VERSION" "$PG_CLUSTER" --port "$PG_PORT" >/dev/null
fi
# Exit status 3 means "not running"; anything else but 0 is a broken cluster and start says why.
if ! pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" status >/dev/null 2>&1; then
  # Loopback only, whatever postgresql.conf says; the cluster's own files stay untouched.
  pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start -- -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT" </dev/null
fi
for ((i = 0; i < WAIT_SECONDS * 4; i++)); do
  runuser -u postgres -- pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break
  sleep 0.25
done
runuser -u postgres -- pg_isready -q -h 127.0.0.1 -p "$PG_PORT" ||
  fail "PostgreSQL did not answer on 127.0.0.1:$PG_PORT within ${WAIT_SECONDS}s (see /var/log/postgresql/)"
# Idempotent: creates the role once, then only resets its password and rights.
runuser -u postgres -- psql -q -X -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres >/dev/null <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$TEST_USER') THEN
    CREATE ROLE $TEST_USER LOGIN CREATEDB PASSWORD '$TEST_PASSWORD';
  ELSE
    ALTER ROLE $TEST_USER LOGIN CREATEDB PASSWORD '$TEST_PASSWORD';
  END IF;
END
\$\$;
SQL
echo "PostgreSQL $PG_VERSION: postgresql://$TEST_USER:$TEST_PASSWORD@127.0.0.1:$PG_PORT/postgres"

# --- MariaDB -----------------------------------------------------------------------------
command -v mariadbd >/dev/null 2>&1 || fail "MariaDB is not installed (apt-get install mariadb-server)"
my_ping() {
  mariadb-admin --protocol=socket --socket="$MY_RUN/mysqld.sock" -uroot ping >/dev/null 2>&1
}
if ! my_ping; then
  install -d -o mysql -g mysql -m 0755 "$MY_RUN"
  if [ ! -d "$MY_DATA/mysql" ]; then
    mariadb-install-db --user=mysql --datadir="$MY_DATA" --auth-root-authentication-method=socket \
      >/dev/null </dev/null
  fi
  # Detached from this shell (setsid, no stdin) so that it outlives the script and CI's step.
  setsid mariadbd --user=mysql --datadir="$MY_DATA" --bind-address=127.0.0.1 --port="$MY_PORT" \
    --socket="$MY_RUN/mysqld.sock" --pid-file="$MY_RUN/mysqld.pid" \
    --log-error="$MY_RUN/foxden-test-error.log" </dev/null >/dev/null 2>&1 &
  for ((i = 0; i < WAIT_SECONDS * 4; i++)); do
    my_ping && break
    sleep 0.25
  done
  my_ping || fail "MariaDB did not answer within ${WAIT_SECONDS}s (see $MY_RUN/foxden-test-error.log)"
fi
# Two hosts: a TCP connection from 127.0.0.1 may be matched as 'localhost' or as '127.0.0.1'.
mariadb --protocol=socket --socket="$MY_RUN/mysqld.sock" -uroot <<SQL
CREATE USER IF NOT EXISTS '$TEST_USER'@'localhost' IDENTIFIED BY '$TEST_PASSWORD';
CREATE USER IF NOT EXISTS '$TEST_USER'@'127.0.0.1' IDENTIFIED BY '$TEST_PASSWORD';
ALTER USER '$TEST_USER'@'localhost' IDENTIFIED BY '$TEST_PASSWORD';
ALTER USER '$TEST_USER'@'127.0.0.1' IDENTIFIED BY '$TEST_PASSWORD';
GRANT ALL PRIVILEGES ON \`foxden\\_test%\`.* TO '$TEST_USER'@'localhost';
GRANT ALL PRIVILEGES ON \`foxden\\_test%\`.* TO '$TEST_USER'@'127.0.0.1';
FLUSH PRIVILEGES;
SQL
echo "MariaDB: mysql://$TEST_USER:$TEST_PASSWORD@127.0.0.1:$MY_PORT/"
