# uplift_generate(<target> RECORDS <dir>... [OUTPUT_DIR <dir>] [DOWNGRADES])
#
# Makes <target> an INTERFACE library that gives everything a record needs: it runs flatc on
# every vN.fbs of every record folder (uplift_flatc_headers) and uplift-gen once per record,
# writing <OUTPUT_DIR>/<folder name>_uplift.hpp (the descriptor and steps) and
# <folder name>_uplift_json.hpp (JSON readers and writers of every version) next to
# <OUTPUT_DIR>/<folder name>/vN_generated.h (and a header for every other .fbs of the folder, which
# the versions may include), puts <OUTPUT_DIR> on the include path and links
# uplift::json (the core and simdjson; only a file that includes the JSON header compiles it). A record header is written
# again whenever a schema, the record's uplift.lock or uplift-gen itself changes; a new vN.fbs
# is picked up at the next build. OUTPUT_DIR defaults to <current binary dir>/<target>.
#
# DOWNGRADES: the program writes older versions (codec<R> with an older write_version, a backfill
# to an older target: a rollout's first step), so the downgrade of a step with a hook is generated
# too, and the program must define that step's `downgrade` hook (a missing one is a link error
# naming it). Without it nothing calls the `downgrade` hooks, and writing at or below such a step
# fails with errc::no_downgrade_path, naming the hook and this option.
#
#   uplift_generate(user_record RECORDS schemas/user)
#   target_link_libraries(app PRIVATE user_record)   # then: #include "user_uplift.hpp"
#                                                    # (and "user_uplift_json.hpp" for JSON)
include_guard(GLOBAL)
include("${CMAKE_CURRENT_LIST_DIR}/UpliftFlatc.cmake")

function(uplift_generate target)
  cmake_parse_arguments(ARG "DOWNGRADES" "OUTPUT_DIR" "RECORDS" ${ARGN})
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "uplift_generate(${target}): unexpected arguments '${ARG_UNPARSED_ARGUMENTS}'; "
                        "write uplift_generate(<target> RECORDS <dir>... [OUTPUT_DIR <dir>] "
                        "[DOWNGRADES])")
  endif()
  if(NOT ARG_RECORDS)
    message(FATAL_ERROR "uplift_generate(${target}): give the record folders with RECORDS <dir>... "
                        "(each holding v1.fbs, v2.fbs, ...)")
  endif()
  if(NOT ARG_OUTPUT_DIR)
    set(ARG_OUTPUT_DIR "${CMAKE_CURRENT_BINARY_DIR}/${target}")
  endif()
  get_filename_component(out_dir "${ARG_OUTPUT_DIR}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")

  # Inside uplift's own build the generator is the target uplift-gen; an installed uplift
  # provides the imported uplift::uplift-gen.
  if(TARGET uplift-gen)
    set(generator uplift-gen)
  elseif(TARGET uplift::uplift-gen)
    set(generator uplift::uplift-gen)
  else()
    message(FATAL_ERROR
      "uplift_generate(${target}): the uplift-gen program is not available. With add_subdirectory, "
      "configure uplift with -DUPLIFT_BUILD_GENERATOR=ON; with find_package, install an uplift "
      "built with its generator (the package then provides uplift::uplift-gen).")
  endif()

  set(options)
  if(ARG_DOWNGRADES)
    set(options --downgrades)
  endif()

  set(all_schemas)
  set(headers)
  set(sources)
  set(names)
  foreach(record IN LISTS ARG_RECORDS)
    get_filename_component(dir "${record}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    if(NOT IS_DIRECTORY "${dir}")
      message(FATAL_ERROR "uplift_generate(${target}): ${dir} is not a folder; RECORDS takes record "
                          "folders, each holding v1.fbs, v2.fbs, ...")
    endif()
    get_filename_component(name "${dir}" NAME)
    if(name IN_LIST names)
      message(FATAL_ERROR "uplift_generate(${target}): two record folders are named '${name}'; "
                          "their headers would collide in ${out_dir}: rename one, or call "
                          "uplift_generate once per folder with its own OUTPUT_DIR")
    endif()
    list(APPEND names "${name}")

    # CONFIGURE_DEPENDS: a new v4.fbs (or a first uplift.lock) makes the next build reconfigure.
    # Any other .fbs of the folder is a file the versions include: flatc writes its header too.
    file(GLOB candidates CONFIGURE_DEPENDS "${dir}/*.fbs")
    set(schemas)
    set(included)
    foreach(schema IN LISTS candidates)
      get_filename_component(file "${schema}" NAME)
      if(file MATCHES "^v[1-9][0-9]*\\.fbs$")
        list(APPEND schemas "${schema}")
      else()
        list(APPEND included "${schema}")
      endif()
    endforeach()
    if(NOT schemas)
      message(FATAL_ERROR "uplift_generate(${target}): ${dir} has no version files; add v1.fbs "
                          "(then v2.fbs, ...)")
    endif()
    list(SORT schemas COMPARE NATURAL)
    file(GLOB lock CONFIGURE_DEPENDS "${dir}/uplift.lock")

    set(header "${out_dir}/${name}_uplift.hpp")
    set(json_header "${out_dir}/${name}_uplift_json.hpp")
    set(source "${out_dir}/${name}_uplift.cpp")
    add_custom_command(
      OUTPUT "${header}" "${json_header}" "${source}"
      COMMAND ${generator} generate ${options} --out "${out_dir}" "${dir}"
      DEPENDS ${schemas} ${included} ${lock} ${generator}
      COMMENT "uplift-gen ${name}"
      VERBATIM)
    list(APPEND all_schemas ${schemas} ${included})
    list(APPEND headers "${header}" "${json_header}")
    list(APPEND sources "${source}")
  endforeach()

  uplift_flatc_headers(${target} OUTPUT_DIR "${out_dir}" SCHEMAS ${all_schemas})
  add_custom_target(${target}_uplift DEPENDS ${headers} ${sources})
  add_dependencies(${target} ${target}_uplift)
  # Each record's reads through every version are compiled once per target that uses it, in its
  # generated .cpp, instead of in every translation unit that includes its header.
  target_sources(${target} INTERFACE ${sources})
  target_compile_definitions(${target} INTERFACE UPLIFT_SEPARATE_INSTANTIATION)
  if(TARGET uplift::json)
    target_link_libraries(${target} INTERFACE uplift::json)
  else()
    target_link_libraries(${target} INTERFACE uplift::uplift)
  endif()
endfunction()

# uplift_add_fixture_test(<name> RECORDS <dir>... [LIBRARIES <target>...] [TEST_NAME <test>])
#
# Adds the test <name>: a program that reads every frozen fixture of the record folders
# (<dir>/fixtures/vN.bin and vN.json, written once per released version by `uplift-gen fixtures`)
# with the current chain and compares each field of the latest version with what the fixture's
# values must read as. A change that breaks reading an old record then fails the build's tests.
# Without LIBRARIES the records are generated for the test (uplift_generate); a record with hooks
# gives LIBRARIES instead: its uplift_generate target and the library that defines its hooks.
# The program is the target <name>; the test is named <name> too, or TEST_NAME.
#
#   uplift_add_fixture_test(user_fixtures RECORDS schemas/user LIBRARIES user_record user_hooks)
function(uplift_add_fixture_test name)
  cmake_parse_arguments(ARG "" "TEST_NAME" "RECORDS;LIBRARIES" ${ARGN})
  if(ARG_UNPARSED_ARGUMENTS OR NOT ARG_RECORDS)
    message(FATAL_ERROR "uplift_add_fixture_test(${name}): write uplift_add_fixture_test(<name> "
                        "RECORDS <dir>... [LIBRARIES <uplift_generate target> <hooks library>...])")
  endif()
  if(TARGET uplift-gen)
    set(generator uplift-gen)
  elseif(TARGET uplift::uplift-gen)
    set(generator uplift::uplift-gen)
  else()
    message(FATAL_ERROR "uplift_add_fixture_test(${name}): the uplift-gen program is not available "
                        "(see uplift_generate)")
  endif()
  set(out_dir "${CMAKE_CURRENT_BINARY_DIR}/${name}_fixture_test")
  set(source "${out_dir}/${name}.cpp")
  set(dirs)
  set(inputs)
  foreach(record IN LISTS ARG_RECORDS)
    get_filename_component(dir "${record}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    # A new fixture, schema or lock makes the next build reconfigure and write the test again.
    file(GLOB files CONFIGURE_DEPENDS "${dir}/*.fbs" "${dir}/uplift.lock" "${dir}/fixtures/*")
    list(APPEND dirs "${dir}")
    list(APPEND inputs ${files})
  endforeach()
  add_custom_command(
    OUTPUT "${source}"
    COMMAND ${generator} fixture-test --out "${source}" ${dirs}
    DEPENDS ${inputs} ${generator}
    COMMENT "uplift-gen fixture-test ${name}"
    VERBATIM)
  add_executable(${name} "${source}")
  if(ARG_LIBRARIES)
    target_link_libraries(${name} PRIVATE ${ARG_LIBRARIES})
  else()
    uplift_generate(${name}_records RECORDS ${dirs} OUTPUT_DIR "${out_dir}/generated")
    target_link_libraries(${name} PRIVATE ${name}_records)
  endif()
  if(NOT ARG_TEST_NAME)
    set(ARG_TEST_NAME ${name})
  endif()
  add_test(NAME "${ARG_TEST_NAME}" COMMAND ${name})
endfunction()
