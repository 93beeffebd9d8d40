# Reads every #include directive a translation unit reaches (the compiler's -E -dI output keeps
# them, also those of headers already included) and fails when
#   - a database client header (<sqlite3.h>, <libpq-fe.h>, <postgres_ext.h>) is included at all, or
#   - a POSIX header is included by a file of uplift's (its headers, generated headers, the unit).
# The C++ standard library may include POSIX headers itself (GCC's <memory> reaches <unistd.h>
# through its thread support, <string> reaches <sys/types.h> through <cstdlib>): those are not
# uplift's doing, and every C++ program has them.
#
#   cmake -DCOMPILER=c++ "-DFLAGS=-std=c++20;-I..." -DSOURCE=unit.cpp "-DOURS=dir1;dir2"
#         "-DIMPLICIT=<the compiler's own include folders>" -P check_includes.cmake
cmake_minimum_required(VERSION 3.20)
foreach(var COMPILER FLAGS SOURCE OURS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_includes.cmake: pass -D${var}=...")
  endif()
endforeach()
# The compiler searches its own folders anyway, as system folders; given again with -I, they
# would come before the C++ library's, whose #include_next then fails.
foreach(dir IN LISTS IMPLICIT)
  list(REMOVE_ITEM FLAGS "-I${dir}")
endforeach()

execute_process(COMMAND "${COMPILER}" ${FLAGS} -E -dI "${SOURCE}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${SOURCE} does not preprocess:\n${err}")
endif()

set(client_headers "sqlite3.h" "libpq-fe.h" "postgres_ext.h")
set(posix_headers "unistd.h" "sys/types.h" "signal.h" "csignal" "sys/wait.h" "spawn.h"
    "pthread.h" "fcntl.h" "sys/stat.h" "sys/socket.h" "netdb.h" "dlfcn.h" "sys/mman.h")

# Lists split on ';', except inside square brackets or after a backslash: hide all three first,
# then walk the lines, following the current file through the line markers
# (# <line> "<file>" <flags>). Every directive of the output must be read.
string(REGEX MATCHALL "\n#include [<\"]" all_directives "\n${out}")
list(LENGTH all_directives expected)
string(REPLACE "\\" "<backslash>" out "${out}")
string(REPLACE ";" "<semicolon>" out "${out}")
string(REPLACE "[" "<open>" out "${out}")
string(REPLACE "]" "<close>" out "${out}")
string(REPLACE "\n" ";" lines "${out}")
set(current "${SOURCE}")
set(found "")
set(directives 0)
foreach(line IN LISTS lines)
  if(line MATCHES "^# [0-9]+ \"([^\"]*)\"")
    set(current "${CMAKE_MATCH_1}")
  elseif(line MATCHES "^#include [<\"]([^>\"]+)[>\"]")
    set(name "${CMAKE_MATCH_1}")
    math(EXPR directives "${directives} + 1")
    set(ours FALSE)
    foreach(dir IN LISTS OURS)
      string(FIND "${current}" "${dir}/" at)
      if(at EQUAL 0)
        set(ours TRUE)
      endif()
    endforeach()
    if(name IN_LIST client_headers)
      string(APPEND found "\n  ${current} includes <${name}>, a database client header")
    elseif(ours AND name IN_LIST posix_headers)
      string(APPEND found "\n  ${current} includes <${name}>, a POSIX header")
    endif()
  endif()
endforeach()
if(directives EQUAL 0 OR NOT directives EQUAL expected)
  message(FATAL_ERROR "${directives} of the ${expected} #include directives of ${SOURCE} were read: "
                      "is the compiler's -dI output what this script expects?")
endif()
if(found)
  message(FATAL_ERROR "${SOURCE} reaches headers a service must not get from uplift:${found}")
endif()
message(STATUS "${SOURCE}: ${directives} #include directives, no database client header, and no "
               "POSIX header included by uplift's files")
