# CMake toolchain file: cross-compile for 32-bit Windows with MinGW-w64 (Debian's
# gcc-mingw-w64-i686). Nothing built with it runs here: Debian 12's wine64 has no 32-bit side.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86)
set(TANDEM_TRIPLET i686-w64-mingw32)
include(${CMAKE_CURRENT_LIST_DIR}/mingw-common.cmake)
