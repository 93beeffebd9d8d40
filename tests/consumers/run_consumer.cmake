# Configures, builds and runs one consumer project from scratch; any failing step fails the test.
#
#   cmake -DMODE=install|subdirectory -DCONSUMER_SOURCE_DIR=... -DWORK_DIR=...
#         -DUPLIFT_SOURCE_DIR=... -DUPLIFT_BINARY_DIR=... -DEXPECTED_VERSION=...
#         -DGENERATOR=... -DCXX_COMPILER=... [-DLAUNCHER=...] -DBUILD_TYPE=... -P run_consumer.cmake
#
# MODE=install first installs the uplift build tree into a fresh prefix under WORK_DIR and points
# the consumer at it with CMAKE_PREFIX_PATH; MODE=subdirectory hands the consumer the source tree.
cmake_minimum_required(VERSION 3.20)

foreach(var MODE CONSUMER_SOURCE_DIR WORK_DIR UPLIFT_SOURCE_DIR UPLIFT_BINARY_DIR
            EXPECTED_VERSION GENERATOR CXX_COMPILER BUILD_TYPE)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "run_consumer.cmake: -D${var}=... is required")
  endif()
endforeach()

# Runs a command; on failure stops with the command and everything it printed.
function(run_step what)
  execute_process(COMMAND ${ARGN}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    list(JOIN ARGN " " cmd)
    message(FATAL_ERROR "${what} failed (${rc}):\n  ${cmd}\n${out}\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

# A fresh work folder every run: no prefix or cache left from an earlier run can hide a problem.
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(build_dir "${WORK_DIR}/build")

set(configure_args
  -S "${CONSUMER_SOURCE_DIR}" -B "${build_dir}" -G "${GENERATOR}"
  "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
  "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}"
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
  "-DEXPECTED_VERSION=${EXPECTED_VERSION}")
if(LAUNCHER)
  list(APPEND configure_args "-DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}")
endif()

if(MODE STREQUAL "install")
  set(prefix "${WORK_DIR}/prefix")
  run_step("installing ${UPLIFT_BINARY_DIR}"
    "${CMAKE_COMMAND}" --install "${UPLIFT_BINARY_DIR}" --prefix "${prefix}")
  if(NOT EXISTS "${prefix}/include/uplift/uplift.hpp")
    message(FATAL_ERROR "the install has no include/uplift/uplift.hpp under ${prefix}")
  endif()
  file(GLOB_RECURSE configs "${prefix}/*/uplift-config.cmake")
  if(NOT configs)
    message(FATAL_ERROR "the install has no uplift-config.cmake under ${prefix}")
  endif()
  list(APPEND configure_args "-DCMAKE_PREFIX_PATH=${prefix}" "-DEXPECTED_PREFIX=${prefix}")
elseif(MODE STREQUAL "subdirectory")
  list(APPEND configure_args "-DUPLIFT_SOURCE_DIR=${UPLIFT_SOURCE_DIR}")
else()
  message(FATAL_ERROR "run_consumer.cmake: MODE must be install or subdirectory, not '${MODE}'")
endif()

run_step("configuring the consumer" "${CMAKE_COMMAND}" ${configure_args})
run_step("building the consumer"
  "${CMAKE_COMMAND}" --build "${build_dir}" --config "${BUILD_TYPE}" --parallel 2)

find_program(consumer_exe consumer
  PATHS "${build_dir}" "${build_dir}/${BUILD_TYPE}" NO_DEFAULT_PATH NO_CACHE)
if(NOT consumer_exe)
  message(FATAL_ERROR "the consumer build produced no 'consumer' program in ${build_dir}")
endif()
run_step("running the consumer" "${consumer_exe}")
message(STATUS "${step_output}")
