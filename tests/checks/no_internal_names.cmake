# Fails when a generated file names uplift's internals: generated code uses only the public API
# (uplift::, uplift::gen:: for conversions, uplift::json:: for the JSON readers and writers).
#
#   cmake -DFILES="a.hpp;b.hpp" -P no_internal_names.cmake
set(found 0)
foreach(file IN LISTS FILES)
  file(STRINGS "${file}" lines REGEX "detail::")
  foreach(line IN LISTS lines)
    message("${file}: names an internal: ${line}")
    math(EXPR found "${found} + 1")
  endforeach()
endforeach()
list(LENGTH FILES count)
if(count EQUAL 0)
  message(FATAL_ERROR "no_internal_names.cmake: no files given")
endif()
if(found GREATER 0)
  message(FATAL_ERROR "${found} lines of generated code name uplift::detail or another internal "
                      "namespace; generate them with public names only")
endif()
message("checked ${count} generated files: no internal names")
