# cmake -DEXE=aslsweep -DSPEC_MD=docs/spec.md -DOUT=dir -DVERSION=x -P aslsweep_shelldocs.cmake
#
# Writes, from what the built binary prints for --help and from the key
# tables of docs/spec.md, so that none of it is a second list to keep:
#   OUT/man/man1/aslsweep.1, OUT/man/man1/aslsweep-COMMAND.1
#   OUT/bash-completion/completions/aslsweep
#   OUT/zsh/site-functions/_aslsweep

function(help_of out)
  execute_process(COMMAND ${EXE} ${ARGN} --help OUTPUT_VARIABLE text RESULT_VARIABLE rc ERROR_QUIET)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "aslsweep ${ARGN} --help exited ${rc}")
  endif()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# roff: the help text as a preformatted block, escaped so nothing in it is
# read as a request.
function(roff_block out text)
  string(REPLACE "\\" "\\e" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  set(${out} ".nf\n${text}.fi\n" PARENT_SCOPE)
endfunction()

function(write_man name summary text see_also)
  roff_block(body "${text}")
  string(TOUPPER "${name}" upper)
  string(REPLACE "-" "\\-" roff_name "${name}")
  string(REPLACE "-" "\\-" roff_summary "${summary}")
  file(WRITE "${OUT}/man/man1/${name}.1"
    ".TH ${upper} 1 \"\" \"aslsweep ${VERSION}\" \"aslsweep manual\"\n"
    ".SH NAME\n${roff_name} \\- ${roff_summary}\n"
    ".SH DESCRIPTION\n${body}"
    ".SH EXIT STATUS\n0 success, 1 run-time failure, 2 bad usage or bad input, "
    "3 interrupted with work left (requeue and rerun the same command).\n"
    ".SH SEE ALSO\n${see_also}\n")
endfunction()

# Spec keys for key.path=value overrides: the key tables of docs/spec.md.
# A table's keys are full paths in "## Keys", relative to `train` in its
# own subsection, and axis names of `sweep` in "## Axes".
function(spec_keys out)
  # Brackets and semicolons would bend CMake's list splitting; the key
  # column holds neither, so they are blanked before splitting into lines.
  file(READ "${SPEC_MD}" md)
  string(REGEX REPLACE "[][;\\]" " " md "${md}")
  string(REPLACE "\n" ";" lines "${md}")
  set(prefix "")
  set(keys "")
  set(active 0)
  foreach(line IN LISTS lines)
    if(line MATCHES "^## Keys")
      set(active 1)
      set(prefix "")
    elseif(line MATCHES "^### `train`")
      set(prefix "train.")
    elseif(line MATCHES "^## Axes")
      set(active 1)
      set(prefix "sweep.")
    elseif(line MATCHES "^##? ")
      set(active 0)
    elseif(line MATCHES "^### ")
      set(active 0)
    elseif(active AND line MATCHES "^\\| `([a-z_][a-z0-9_.]*)` \\|")
      list(APPEND keys "${prefix}${CMAKE_MATCH_1}")
    endif()
  endforeach()
  list(REMOVE_DUPLICATES keys)
  list(LENGTH keys n)
  if(n LESS 10)
    message(FATAL_ERROR "${SPEC_MD}: only ${n} spec keys found in its key tables")
  endif()
  set(${out} "${keys}" PARENT_SCOPE)
endfunction()

help_of(top)
string(REGEX MATCH "commands:\n(.*)\n\n" _ "${top}")
string(REPLACE "\n" ";" cmd_lines "${CMAKE_MATCH_1}")
set(commands "")
set(see_also "")
file(REMOVE_RECURSE "${OUT}/man")
foreach(line IN LISTS cmd_lines)
  if(NOT line MATCHES "^  ([a-z]+) +(.*)$")
    continue()
  endif()
  set(cmd ${CMAKE_MATCH_1})
  set(summary "${CMAKE_MATCH_2}")
  list(APPEND commands ${cmd})
  list(APPEND see_also "\\fBaslsweep\\-${cmd}\\fR(1)")
  help_of(text ${cmd})
  write_man("aslsweep-${cmd}" "${summary}" "${text}" "\\fBaslsweep\\fR(1)")
  # Options: every --long-option the help names, plus the shared ones.
  string(REGEX MATCHALL "--[a-z][a-z0-9-]*" opts "${text}")
  list(APPEND opts -h -V)
  list(REMOVE_DUPLICATES opts)
  list(JOIN opts " " opts_${cmd})
  if(text MATCHES "key\\.path=value")
    list(APPEND override_cmds ${cmd})
  endif()
endforeach()
list(JOIN see_also ",\n" see_also)
write_man(aslsweep "deep-learning denoising ablation studies for ASL MRI" "${top}" "${see_also}")

spec_keys(keys)
list(JOIN keys " " keys_text)
list(JOIN commands " " commands_text)
list(JOIN override_cmds "|" override_case)

# bash: subcommands, their options, files, and spec keys after the spec.
set(cases "")
foreach(cmd IN LISTS commands)
  string(APPEND cases "    ${cmd}) opts=\"${opts_${cmd}}\" ;;\n")
endforeach()
file(WRITE "${OUT}/bash-completion/completions/aslsweep" "\
# bash completion for aslsweep ${VERSION} (generated from its --help and docs/spec.md)
_aslsweep() {
  local cur=\${COMP_WORDS[COMP_CWORD]} cword=\$COMP_CWORD
  local commands=\"${commands_text}\"
  local keys=\"${keys_text}\"
  COMPREPLY=()
  if [ \"\$cword\" -eq 1 ]; then
    COMPREPLY=(\$(compgen -W \"\$commands -h --help -V --version\" -- \"\$cur\"))
    return 0
  fi
  local cmd=\${COMP_WORDS[1]} opts=\"\"
  case \$cmd in
${cases}    *) return 0 ;;
  esac
  if [[ \$cur == -* ]]; then
    COMPREPLY=(\$(compgen -W \"\$opts\" -- \"\$cur\"))
    return 0
  fi
  case \$cmd in
    ${override_case})
      # After the spec, a word without / may be a key.path=value override.
      local i positional=0
      for ((i = 2; i < cword; i++)); do
        case \${COMP_WORDS[i]} in
          -*|=) ;;
          *) case \${COMP_WORDS[i-1]} in --*) ;; *) positional=1 ;; esac ;;
        esac
      done
      if [ \$positional -eq 1 ] && [[ \$cur != */* ]]; then
        local k
        for k in \$(compgen -W \"\$keys\" -- \"\$cur\"); do COMPREPLY+=(\"\$k=\"); done
        if [ \${#COMPREPLY[@]} -gt 0 ]; then
          compopt -o nospace 2>/dev/null
          return 0
        fi
      fi
      ;;
  esac
  COMPREPLY=(\$(compgen -f -- \"\$cur\"))
  compopt -o filenames 2>/dev/null
  return 0
}
complete -F _aslsweep aslsweep
")

set(zcases "")
foreach(cmd IN LISTS commands)
  string(APPEND zcases "    ${cmd}) opts=(${opts_${cmd}}) ;;\n")
endforeach()
set(zcmds "")
foreach(line IN LISTS cmd_lines)
  if(line MATCHES "^  ([a-z]+) +(.*)$")
    string(REPLACE "'" "'\\''" d "${CMAKE_MATCH_2}")
    string(REPLACE ":" "\\:" d "${d}")
    string(APPEND zcmds "    '${CMAKE_MATCH_1}:${d}'\n")
  endif()
endforeach()
file(WRITE "${OUT}/zsh/site-functions/_aslsweep" "\
#compdef aslsweep
# zsh completion for aslsweep ${VERSION} (generated from its --help and docs/spec.md)
_aslsweep() {
  local -a commands opts keys
  commands=(
${zcmds}  )
  keys=(${keys_text})
  if (( CURRENT == 2 )); then
    _describe -t commands 'aslsweep command' commands
    return
  fi
  case \$words[2] in
${zcases}    *) return 1 ;;
  esac
  if [[ \$PREFIX == -* ]]; then
    compadd -a opts
    return
  fi
  case \$words[2] in
    ${override_case})
      if (( CURRENT > 3 )) && [[ \$PREFIX != */* ]]; then
        compadd -S '=' -a keys && return
      fi
      ;;
  esac
  _files
}
_aslsweep \"\$@\"
")
