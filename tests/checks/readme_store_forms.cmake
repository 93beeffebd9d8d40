# Fails when the README leaves out a store form the uplift command accepts: every prefix that
# tools/uplift/main.cpp tests a STORE argument for (s.rfind("PREFIX", 0) == 0) must appear in the
# README as `PREFIX...` (in backquotes).
#
#   cmake -DCLI=tools/uplift/main.cpp -DREADME=README.md -P readme_store_forms.cmake
file(READ "${CLI}" cli)
file(READ "${README}" readme)
string(REGEX MATCHALL "rfind\\(\"[^\"]+\", 0\\) == 0" tests "${cli}")
if(NOT tests)
  message(FATAL_ERROR "readme_store_forms.cmake: found no store prefix in ${CLI}")
endif()
set(missing "")
foreach(t IN LISTS tests)
  string(REGEX REPLACE "rfind\\(\"([^\"]+)\".*" "\\1" prefix "${t}")
  string(FIND "${readme}" "`${prefix}" at)
  if(at EQUAL -1)
    list(APPEND missing "${prefix}")
  endif()
endforeach()
if(missing)
  list(JOIN missing ", " missing)
  message(FATAL_ERROR "README.md does not show the store forms ${missing} that the uplift command "
                      "accepts: list them where README describes `uplift stats`")
endif()
