# Runs one compile-failure case: compiles SOURCE with COMPILER and FLAGS (a ;-list), prints the
# compiler's output, and prints a line starting with "uplift-compile-fail-check:" (the test's
# FAIL_REGULAR_EXPRESSION) when the snippet compiled, or when anything other than exactly one
# static assertion and no other error was reported. Whether the right message fired is the
# test's PASS_REGULAR_EXPRESSION.
#
#   cmake -DCOMPILER=g++ "-DFLAGS=-std=c++20;-fsyntax-only;-I..." -DSOURCE=case.cpp -P this-file

foreach(var COMPILER SOURCE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_compile_fail.cmake: pass -D${var}=...")
  endif()
endforeach()

execute_process(
  COMMAND "${COMPILER}" ${FLAGS} "${SOURCE}"
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE out
  ERROR_VARIABLE out
  ECHO_OUTPUT_VARIABLE
  ECHO_ERROR_VARIABLE)

if(rc EQUAL 0)
  message("uplift-compile-fail-check: ${SOURCE} compiled; it must fail with a static assertion")
  return()
endif()

# GCC: "error: static assertion failed: <message>"; Clang: "error: static_assert failed ...".
string(REGEX MATCHALL "static assertion failed|static_assert failed" asserts "${out}")
list(LENGTH asserts assert_count)
if(NOT assert_count EQUAL 1)
  message("uplift-compile-fail-check: ${assert_count} static assertions failed; exactly one must")
endif()

# Every diagnostic of severity error: only the static assertion may be one.
string(REGEX MATCHALL ": error: |: fatal error: " errors "${out}")
list(LENGTH errors error_count)
if(NOT error_count EQUAL 1)
  message("uplift-compile-fail-check: ${error_count} errors were reported; the static assertion "
          "must be the only one")
endif()
