#!/usr/bin/env bash
# Tandem toolchain bootstrap, for a Debian 12 machine, run as root.
#
# 1. Installs the Debian packages the build and the tests need (only what is missing).
# 2. Cross-builds cmocka for MinGW-w64 (x86_64 and i686) and generates SQLite's amalgamation,
#    both from Debian's *source* packages, into a cache that later runs reuse: a second run
#    rebuilds nothing. The project's build compiles the amalgamation itself (CMakeLists.txt:
#    the options the store relies on, SQLITE_WIN32_NO_OVERLAPPED for Wine).
#
# The deb-src entries are derived from the machine's own apt sources (deb822 *.sources files and
# classic *.list / sources.list lines), in a private apt state folder: the system's package
# lists are not touched and no registry host name is written anywhere in this repository.
#
# Result: $TANDEM_CACHE/src/sqlite3.c, $TANDEM_CACHE/<arch>/{include,lib} with sqlite3.h,
# cmocka.h, libcmocka.a.
# Usage: toolchain/bootstrap.sh            (prints the cache folder on its last line)
set -euo pipefail

CACHE=${TANDEM_CACHE:-/var/cache/tandem-toolchain}
ARCHES=(x86_64 i686)
here=$(cd "$(dirname "$0")" && pwd)

log() { printf '[bootstrap] %s\n' "$*" >&2; }

# --- 1. Debian packages ------------------------------------------------------------------
PACKAGES=(
  gcc-mingw-w64-x86-64 gcc-mingw-w64-i686      # the two C cross compilers
  binutils-mingw-w64-x86-64 binutils-mingw-w64-i686
  mingw-w64-tools                              # widl
  wine64 libwine-dev                           # Wine to run tests; .idl files widl imports
  cmake make tcl                               # build; tclsh makes SQLite's amalgamation
  file xz-utils ca-certificates
  clang-14 libclang-rt-14-dev python3          # mime fuzzing (libFuzzer), mime cross-check
  dovecot-imapd dovecot-pop3d python3-aiosmtpd openssl  # network tests: private mail servers
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

# --- 2. Source packages into the cache ---------------------------------------------------
mkdir -p "$CACHE"
need_sources=0
for a in "${ARCHES[@]}"; do
  [ -f "$CACHE/$a/.stamp-sqlite3" ] && [ -f "$CACHE/$a/.stamp-cmocka" ] || need_sources=1
done

aptsrc=$CACHE/apt
fetch_source() {   # fetch_source NAME -> prints the path of the upstream tarball
  local name=$1
  mkdir -p "$aptsrc/lists/partial" "$aptsrc/parts" "$aptsrc/dl"
  if [ ! -f "$aptsrc/.updated" ]; then
    : > "$aptsrc/sources.list"
    rm -f "$aptsrc"/parts/*
    local f i=0
    for f in /etc/apt/sources.list.d/*.sources; do
      [ -f "$f" ] || continue
      i=$((i + 1))
      # Every stanza of type deb also becomes a deb-src stanza.
      sed -E 's/^Types:.*$/Types: deb-src/' "$f" > "$aptsrc/parts/src$i.sources"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [ -f "$f" ] || continue
      sed -nE 's/^[[:space:]]*deb[[:space:]]+/deb-src /p' "$f" >> "$aptsrc/sources.list"
    done
    apt_private update -q >&2
    touch "$aptsrc/.updated"
  fi
  (cd "$aptsrc/dl" && apt_private source --download-only -q "$name" >&2)
  ls "$aptsrc"/dl/"$name"_*.orig.tar.* | head -n1
}
apt_private() {
  apt-get -o Dir::Etc::SourceList="$aptsrc/sources.list" \
          -o Dir::Etc::SourceParts="$aptsrc/parts" \
          -o Dir::State::Lists="$aptsrc/lists" \
          -o Dir::Cache="$aptsrc/cache" "$@"
}

build_sqlite() {
  local tarball src amalg
  if [ ! -f "$CACHE/src/sqlite3.c" ]; then
    tarball=$(fetch_source sqlite3)
    src=$CACHE/build/sqlite-src
    rm -rf "$src"; mkdir -p "$src" "$CACHE/src"
    tar -xf "$tarball" -C "$src" --strip-components=1
    log "generating the SQLite amalgamation (native, tclsh)"
    (cd "$src" && ./configure -q >&2 && make -s sqlite3.c >&2)
    cp "$src/sqlite3.c" "$src/sqlite3.h" "$src/sqlite3ext.h" "$CACHE/src/"
    rm -rf "$src"
  fi
  for a in "${ARCHES[@]}"; do
    [ -f "$CACHE/$a/.stamp-sqlite3" ] && continue
    # the headers beside each architecture's other ones; the build compiles sqlite3.c itself
    mkdir -p "$CACHE/$a/include"
    cp "$CACHE/src/sqlite3.h" "$CACHE/src/sqlite3ext.h" "$CACHE/$a/include/"
    touch "$CACHE/$a/.stamp-sqlite3"
  done
}

build_cmocka() {
  local tarball src
  for a in "${ARCHES[@]}"; do
    [ -f "$CACHE/$a/.stamp-cmocka" ] && continue
    if [ ! -d "$CACHE/src/cmocka" ]; then
      tarball=$(fetch_source cmocka)
      mkdir -p "$CACHE/src/cmocka"
      tar -xf "$tarball" -C "$CACHE/src/cmocka" --strip-components=1
    fi
    log "cross-building cmocka for $a"
    src=$CACHE/build/cmocka-$a
    rm -rf "$src"
    # A static library: test programs then need no extra DLL beside them under Wine.
    cmake -S "$CACHE/src/cmocka" -B "$src" -DCMAKE_TOOLCHAIN_FILE="$here/mingw-$a.cmake" \
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$CACHE/$a" \
      -DWITH_EXAMPLES=OFF -DUNIT_TESTING=OFF -DWITH_STATIC_LIB=ON -DBUILD_SHARED_LIBS=OFF \
      -DPICKY_DEVELOPER=OFF >&2
    cmake --build "$src" -j"$(nproc)" >&2
    cmake --install "$src" >&2
    rm -rf "$src"
    touch "$CACHE/$a/.stamp-cmocka"
  done
}

if ((need_sources)); then
  build_sqlite
  build_cmocka
else
  log "cache complete in $CACHE, nothing to build"
fi
echo "$CACHE"
