# Sourced by ./swarm and benchmarks/demo-ab.sh: sets the array `jit` to the JVM options that hand
# HotSpot compiler-directives.json and compile-commands.txt from this folder (see the README's
# Building section). SWARM_COMPILER_DIRECTIVES and SWARM_COMPILE_COMMANDS name other files; set
# empty, HotSpot's defaults. VM messages go to stderr, so that stdout carries only the command's
# output (JSON for `swarm status`).
jvm_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
directives="${SWARM_COMPILER_DIRECTIVES-$jvm_dir/compiler-directives.json}"
commands="${SWARM_COMPILE_COMMANDS-$jvm_dir/compile-commands.txt}"
jit=()
if [[ -n "$directives" ]]; then
  jit=(-XX:+UnlockDiagnosticVMOptions -XX:+DisplayVMOutputToStderr "-XX:CompilerDirectivesFile=$directives")
fi
if [[ -n "$commands" ]]; then
  jit+=("-XX:CompileCommandFile=$commands")
fi
