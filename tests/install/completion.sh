#!/usr/bin/env bash
# The installed bash completion, driven the way bash drives it (COMP_WORDS,
# COMP_CWORD, then the function), completes subcommands, options and spec
# keys for key.path=value overrides; the zsh one parses.
. "$(dirname "$0")/lib.sh"
work=$(scratch completion)
install_to "$work/P"
comp=$work/P/share/bash-completion/completions/aslsweep

# complete WORDS...: the completions of the last word, one per line.
complete_words() {
  bash --norc --noprofile -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    _aslsweep aslsweep "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$@"
}
expect() { # expect WANT WORDS...
  local want=$1; shift
  local got; got=$(cd "$ASLSWEEP_SOURCE_DIR" && complete_words "$@")
  grep -qxF -- "$want" <<<"$got" || fail "completing '$*': wanted '$want', got: $(tr '\n' ' ' <<<"$got")"
}
expect run aslsweep ru
[ "$(complete_words aslsweep ru)" = run ] || fail "'aslsweep ru' is ambiguous: $(complete_words aslsweep ru)"
expect --out aslsweep run --o
expect --version aslsweep table -
expect train.epochs= aslsweep validate examples/demo.yaml train.ep
expect sweep.nav= aslsweep run examples/demo.yaml --out x sweep.na
expect data.phantom.subjects= aslsweep plan examples/demo.yaml data.phantom.sub
expect examples/demo.yaml aslsweep validate examples/de
# The first word after the command is the spec, a file, not a key.
[ -z "$(cd "$ASLSWEEP_SOURCE_DIR" && complete_words aslsweep validate train.ep)" ] ||
  fail "a key offered in place of the spec"
# Every key offered is one docs/spec.md documents.
grep -q "train.patches_per_volume" "$comp" || fail "completion lacks train.patches_per_volume"
pass "bash completion: commands, options, files, spec keys"

# zsh: the completion function with zsh's builtins replaced by stand-ins that
# print what would be offered (filtered by PREFIX, as zsh does).
command -v zsh >/dev/null || fail "zsh not installed: run scripts/setup"
zcomp=$work/P/share/zsh/site-functions/_aslsweep
zsh -n "$zcomp" || fail "zsh completion does not parse"
zcomplete() { # zcomplete WORDS...: what the zsh function offers for the last word
  zsh -f -c '
    compadd() {
      local suffix="" arr=""
      while (( $# )); do
        case $1 in -S) suffix=$2; shift 2 ;; -a) arr=$2; shift 2 ;; *) shift ;; esac
      done
      local w; for w in ${(P)arr}; do [[ $w == ${PREFIX}* ]] && print -r -- "$w$suffix"; done
      return 0
    }
    _describe() { local w; for w in ${(P)4}; do [[ ${w%%:*} == ${PREFIX}* ]] && print -r -- "${w%%:*}"; done }
    _files() { print -r -- "<files>" }
    eval "$(sed "\$d" "$1")"; shift
    words=("$@"); CURRENT=$#; PREFIX=${words[CURRENT]}
    _aslsweep' _ "$zcomp" "$@"
}
[ "$(zcomplete aslsweep ru)" = run ] || fail "zsh: aslsweep ru -> '$(zcomplete aslsweep ru)'"
zcomplete aslsweep run --o | grep -qx -- --out || fail "zsh: aslsweep run --o"
[ "$(zcomplete aslsweep validate examples/demo.yaml train.ep)" = "train.epochs=" ] ||
  fail "zsh: train.ep -> '$(zcomplete aslsweep validate examples/demo.yaml train.ep)'"
[ "$(zcomplete aslsweep validate exam)" = "<files>" ] || fail "zsh: the spec is not completed as a file"
pass "zsh completion: commands, options, files, spec keys"
rm -rf "$work"
