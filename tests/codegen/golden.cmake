# Compares a file, or what a command prints, with a golden file, and prints a unified diff when
# they differ (cmake -P):
#   -DGOLDEN=<file> -DACTUAL=<file>
#   -DGOLDEN=<file> "-DCOMMAND=<program|arg|...>" [-DWORKDIR=<dir>] [-DEXPECT_EXIT=<code>] [-DNAME=<n>]
#   (the command's words are separated by '|', which survives CMake's list handling)
# With -DUPDATE=ON the actual text is written over the golden instead (target
# uplift-update-goldens does that for every golden, after a deliberate generator change).
if(NOT GOLDEN)
  message(FATAL_ERROR "golden.cmake: give -DGOLDEN=<file>")
endif()
if(NOT DEFINED EXPECT_EXIT)
  set(EXPECT_EXIT 0)
endif()

if(DEFINED COMMAND)
  string(REPLACE "|" ";" COMMAND "${COMMAND}")
  if(NOT WORKDIR)
    set(WORKDIR "${CMAKE_CURRENT_LIST_DIR}")
  endif()
  execute_process(COMMAND ${COMMAND} WORKING_DIRECTORY "${WORKDIR}"
    RESULT_VARIABLE code OUTPUT_VARIABLE actual_text ERROR_VARIABLE actual_err)
  string(APPEND actual_text "${actual_err}")
  if(NOT code STREQUAL "${EXPECT_EXIT}")
    message(FATAL_ERROR "golden: `${COMMAND}` exited ${code}, expected ${EXPECT_EXIT}:\n${actual_text}")
  endif()
  get_filename_component(golden_name "${GOLDEN}" NAME)
  if(NAME)  # goldens of one name in several folders write their output apart
    set(golden_name "${NAME}")
  endif()
  set(ACTUAL "${CMAKE_CURRENT_BINARY_DIR}/${golden_name}.actual")
  file(WRITE "${ACTUAL}" "${actual_text}")
elseif(NOT ACTUAL)
  message(FATAL_ERROR "golden.cmake: give -DACTUAL=<file> or -DCOMMAND=<program|args>")
endif()

if(UPDATE)
  configure_file("${ACTUAL}" "${GOLDEN}" COPYONLY)
  message(STATUS "golden: updated ${GOLDEN}")
  return()
endif()

execute_process(COMMAND "${CMAKE_COMMAND}" -E compare_files "${GOLDEN}" "${ACTUAL}"
  RESULT_VARIABLE differs)
if(differs)
  execute_process(COMMAND diff -u "${GOLDEN}" "${ACTUAL}" OUTPUT_VARIABLE diff_text)
  message(FATAL_ERROR "golden: ${ACTUAL} differs from ${GOLDEN}:\n${diff_text}\n"
                      "If the change is intended, run `cmake --build <build> --target "
                      "uplift-update-goldens` and review the diff.")
endif()
message(STATUS "golden: ${GOLDEN} matches")
