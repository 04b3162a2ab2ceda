# CMake toolchain file: cross-compile for 64-bit Windows with MinGW-w64 (Debian's
# gcc-mingw-w64-x86-64), run programs under Wine.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(TANDEM_TRIPLET x86_64-w64-mingw32)
include(${CMAKE_CURRENT_LIST_DIR}/mingw-common.cmake)
