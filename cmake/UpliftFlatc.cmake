# uplift_flatc_headers(<target> OUTPUT_DIR <dir> SCHEMAS <file.fbs>...)
#
# Runs flatc once per schema (C++, Object API, comparison operators, scoped enums) into <dir>, and makes
# <target> an INTERFACE library whose include path holds <dir>. Schemas of one record share a
# folder, so the headers land in <dir>/<folder name>/<stem>_generated.h and are included as
# "<folder name>/v1_generated.h".
include_guard(GLOBAL)

function(uplift_flatc_headers target)
  cmake_parse_arguments(ARG "" "OUTPUT_DIR" "SCHEMAS" ${ARGN})
  if(NOT ARG_OUTPUT_DIR)
    set(ARG_OUTPUT_DIR "${CMAKE_CURRENT_BINARY_DIR}/${target}")
  endif()
  if(NOT ARG_SCHEMAS)
    message(FATAL_ERROR "uplift_flatc_headers(${target}): give the schemas with SCHEMAS a.fbs ...")
  endif()
  if(NOT TARGET flatbuffers::flatc)
    # Imported targets are visible only below the directory that found them: a project that added
    # uplift with add_subdirectory calls this from its own directory, so look again from here.
    find_package(FlatBuffers CONFIG QUIET)
  endif()
  if(NOT TARGET flatbuffers::flatc)
    message(FATAL_ERROR "uplift_flatc_headers: flatc was not found; install flatbuffers-compiler")
  endif()
  set(outputs)
  foreach(schema IN LISTS ARG_SCHEMAS)
    get_filename_component(abs "${schema}" ABSOLUTE)
    get_filename_component(stem "${abs}" NAME_WE)
    get_filename_component(dir "${abs}" DIRECTORY)
    get_filename_component(record "${dir}" NAME)
    set(out "${ARG_OUTPUT_DIR}/${record}/${stem}_generated.h")
    add_custom_command(
      OUTPUT "${out}"
      COMMAND flatbuffers::flatc --cpp --gen-object-api --gen-compare --scoped-enums
              -o "${ARG_OUTPUT_DIR}/${record}" "${abs}"
      DEPENDS "${abs}" flatbuffers::flatc
      COMMENT "flatc ${record}/${stem}.fbs"
      VERBATIM)
    list(APPEND outputs "${out}")
  endforeach()
  add_custom_target(${target}_flatc DEPENDS ${outputs})
  add_library(${target} INTERFACE)
  add_dependencies(${target} ${target}_flatc)
  target_include_directories(${target} INTERFACE "${ARG_OUTPUT_DIR}")
  target_link_libraries(${target} INTERFACE flatbuffers::flatbuffers)
endfunction()
