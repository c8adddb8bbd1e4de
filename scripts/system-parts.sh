# Sourced by scripts/dev test: make the system parts of the test suite available.
#  - Chromium (Debian package `chromium`) for the browser tests;
#  - a PostgreSQL server on 127.0.0.1:5432 with role/database `oncotrial` for the
#    PostgreSQL half of the database tests (exported as ONCOTRIAL_TEST_DATABASE_URL);
#  - R (`r-base-core`) with `foreign` (`r-cran-foreign`: tests/adam/test_write.py reads
#    our XPT files with read.xport) and `survival` (`r-cran-survival`: the reference
#    script tests/reference/survival.R). Tests gate on R with tests/conftest.py's require_r.
# Installs need root (apt-get); without root, what is missing is reported and the
# tests that need it are skipped, unless ONCOTRIAL_REQUIRE_SYSTEM_PARTS=1 (CI sets it).

_apt_updated=0
_apt_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "system-parts: cannot install $* (needs root and apt-get)" >&2
    return 1
  fi
  if [ "$_apt_updated" = 0 ]; then
    apt-get update -qq >/dev/null && _apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if [ ! -x /usr/bin/chromium ]; then
  echo "system-parts: installing chromium" >&2
  _apt_install chromium || true
fi

# 0 when Rscript runs and loads R package $1.
_r_has() {
  command -v Rscript >/dev/null 2>&1 \
    && Rscript --vanilla -e "quit(status = if (requireNamespace('$1', quietly = TRUE)) 0 else 1)" \
      >/dev/null 2>&1
}
_r_debs=()
command -v Rscript >/dev/null 2>&1 || _r_debs+=(r-base-core)
_r_has foreign || _r_debs+=(r-cran-foreign)
_r_has survival || _r_debs+=(r-cran-survival)
if [ "${#_r_debs[@]}" -gt 0 ]; then
  echo "system-parts: installing ${_r_debs[*]}" >&2
  _apt_install "${_r_debs[@]}" || echo "system-parts: no R with foreign and survival; R tests will be skipped" >&2
fi
unset _r_debs

if ! command -v pg_ctlcluster >/dev/null 2>&1 && ! command -v psql >/dev/null 2>&1; then
  echo "system-parts: installing postgresql" >&2
  _apt_install postgresql || true
fi
if command -v pg_lsclusters >/dev/null 2>&1; then
  while read -r ver cluster port status _; do
    if [ "$status" != online ]; then
      pg_ctlcluster --skip-systemctl-redirect "$ver" "$cluster" start >/dev/null 2>&1 || true
    fi
  done < <(pg_lsclusters --no-header 2>/dev/null)
fi
if [ -z "${ONCOTRIAL_TEST_DATABASE_URL:-}" ] && [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then
  if su postgres -c "psql -qAt -c 'select 1'" >/dev/null 2>&1; then
    su postgres -c "psql -qAt -c \"select 1 from pg_roles where rolname='oncotrial'\"" | grep -q 1 \
      || su postgres -c "psql -q -c \"create role oncotrial login createdb createrole password 'oncotrial'\"" >/dev/null
    # The tamper tests deploy as a real installation does: an owner role and an application role.
    su postgres -c "psql -q -c 'alter role oncotrial createdb createrole'" >/dev/null
    su postgres -c "psql -qAt -c \"select 1 from pg_database where datname='oncotrial_test'\"" | grep -q 1 \
      || su postgres -c "psql -q -c 'create database oncotrial_test owner oncotrial'" >/dev/null
    export ONCOTRIAL_TEST_DATABASE_URL="postgresql+psycopg://oncotrial:oncotrial@127.0.0.1:5432/oncotrial_test"
  fi
fi
if [ -z "${ONCOTRIAL_TEST_DATABASE_URL:-}" ]; then
  echo "system-parts: no PostgreSQL available; PostgreSQL tests will be skipped" >&2
fi
