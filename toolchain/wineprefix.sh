#!/bin/sh
# The build folder's Wine prefix: created once, kept quiet, with minimapi registered as the
# Extended MAPI implementation (DllRegisterServer through regsvr32, as an installer would).
#   wineprefix.sh start BUILD_DIR   create if missing, register minimapi, start a persistent
#                                   wineserver (each test program then starts in ~0.06 s)
#   wineprefix.sh stop BUILD_DIR    stop the prefix's wineserver
set -e
cmd=$1; build=$(cd "$2" && pwd)
export WINEPREFIX="$build/wineprefix" WINEDEBUG=-all
export WINEDLLOVERRIDES="winemenubuilder.exe=d;mscoree,mshtml="
case "$cmd" in
start)
  if [ ! -f "$WINEPREFIX/.tandem-ready" ]; then
    rm -rf "$WINEPREFIX"
    wineboot -i >/dev/null 2>&1 || true
    wineserver -w
    touch "$WINEPREFIX/.tandem-ready"
  fi
  wineserver -p >/dev/null 2>&1 </dev/null || true
  wine regsvr32 /s "$(winepath -w "$build/bin/minimapi.dll" 2>/dev/null)" >/dev/null 2>&1
  ;;
stop)
  wineserver -k >/dev/null 2>&1 || true
  ;;
esac
