# Test helpers: every test is a Windows program that ctest runs under Wine
# (CMAKE_CROSSCOMPILING_EMULATOR) in the build folder's prefix. A fixture prepares the prefix
# (created once, minimapi registered) before the first test and stops its wineserver after.
set(CMAKE_CROSSCOMPILING_EMULATOR ${CMAKE_SOURCE_DIR}/toolchain/wine-run ${CMAKE_BINARY_DIR})

add_test(NAME wineprefix_start
         COMMAND ${CMAKE_SOURCE_DIR}/toolchain/wineprefix.sh start ${CMAKE_BINARY_DIR})
set_tests_properties(wineprefix_start PROPERTIES FIXTURES_SETUP wine)
add_test(NAME wineprefix_stop
         COMMAND ${CMAKE_SOURCE_DIR}/toolchain/wineprefix.sh stop ${CMAKE_BINARY_DIR})
set_tests_properties(wineprefix_stop PROPERTIES FIXTURES_CLEANUP wine)

# tandem_cmocka_test(NAME SOURCES src... LIBS lib... [ARGS arg...]): a cmocka unit test,
# may reach inside.
function(tandem_cmocka_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;ARGS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} cmocka)
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  add_test(NAME ${name} COMMAND ${name} ${T_ARGS} WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
  set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED wine TIMEOUT 300
                       ENVIRONMENT "CMOCKA_MESSAGE_OUTPUT=STDOUT")
endfunction()

# tandem_wine_test(NAME SOURCES src...): a conformance test that uses only the public MAPI
# API: it links mapi32 (Wine's, which forwards to the registered minimapi) and nothing of ours
# but mapi32compat, the client-side name shim for mapi32's utility functions.
function(tandem_wine_test name)
  cmake_parse_arguments(T "" "" "SOURCES" ${ARGN})
  add_executable(${name} ${T_SOURCES} ${CMAKE_SOURCE_DIR}/wine-tests/wtest.c
                         ${CMAKE_SOURCE_DIR}/wine-tests/wtmapi.c)
  target_link_libraries(${name} PRIVATE mapi32compat mapi32 ole32 uuid)
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/wine-tests)
  add_dependencies(${name} minimapi tandem32)
  add_test(NAME ${name} COMMAND ${name} WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
  set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED wine TIMEOUT 300
                       ENVIRONMENT "TANDEM_BIN=${CMAKE_BINARY_DIR}/bin")
endfunction()
