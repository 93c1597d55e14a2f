# Sourced by ./swarm and benchmarks/demo-ab.sh once $jar is built: sets the array `cds` to the JVM
# options that map a class-data sharing archive (AppCDS) of the classes a run loads, next to the jar
# (target/swarm.jsa). A JVM maps those classes already parsed and verified instead of loading them
# from the jar: ~2 s less CPU at the start of a run, and with C1 alone `swarm status` on a stopped
# run takes 1.7 s instead of 3.9 s (benchmarks/RESULTS.md). The archive belongs to one build of the
# jar (the JVM checks the jar's size and time), so it is written again, once, after each build: a
# tiny run (class-archive.conf) under -XX:ArchiveClassesAtExit, ~12 s. If that run fails, the
# command goes on without an archive, and so do the later ones until the next build (a Ctrl-C
# while it is written leaves nothing behind: the next command tries again).
# SWARM_CLASS_ARCHIVE=FILE keeps the archive elsewhere; set empty, no archive.
cds=()
archive="${SWARM_CLASS_ARCHIVE-${jar%.jar}.jsa}"
if [[ -n "$archive" ]]; then
  archive_log="$archive.log"
  # once per build: not again after a failed try for this jar (its log is newer), nor where it cannot be written
  if [[ ! "$archive" -nt "$jar" && ! "$archive_log" -nt "$jar" && -w "$(dirname "$archive")" ]]; then
    archive_work="$(mktemp -d)"
    trap 'rm -rf "$archive.$$" "$archive_log" "$archive_work"
      echo "swarm: stopped while writing the class-data archive; the command did not run" >&2; exit 130' INT TERM
    echo "swarm: writing the class-data archive $archive (once per build, ~12 s)..." >&2
    # written under a name of its own, then renamed: a launcher next to this one never maps half a file
    if java -XX:ArchiveClassesAtExit="$archive.$$" -Xlog:cds=off -Xlog:cds+dynamic=off -jar "$jar" \
        run --config "$(dirname "${BASH_SOURCE[0]}")/class-archive.conf" --data "$archive_work/run" \
        >"$archive_log" 2>&1 && [[ -s "$archive.$$" ]]; then
      mv -f "$archive.$$" "$archive"
      rm -f "$archive_log"
    else
      rm -f "$archive.$$"
      echo "swarm: warning: no class-data archive, the run that writes it failed (its output: $archive_log); going on without" >&2
    fi
    rm -rf "$archive_work"
    trap - INT TERM
  fi
  # a stale or refused archive only costs the time it would have saved: HotSpot's note about it stays off
  if [[ "$archive" -nt "$jar" ]]; then
    cds=("-XX:SharedArchiveFile=$archive" -Xlog:cds=off -Xlog:cds+dynamic=off)
  fi
fi
