package io.swarmengine.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/** Random specs and random garbage against the parser, compiler and canonical form. */
class PolicySpecPropertiesTest {
  private static final List<String> GPT = TrainScope.GPT2_SCOPES;

  @Property(tries = 400, seed = "20261122")
  void canonicalFormGivesTheSameActionEverywhere(
      @ForAll("specs") String spec, @ForAll("totals") Long total) throws Exception {
    PolicySpec parsed = PolicySpec.parse(spec, GPT);
    PolicySpec reparsed = PolicySpec.parse(parsed.canonical(), GPT);
    assertEquals(parsed.canonical(), reparsed.canonical());
    CompiledPolicy a;
    try {
      a = parsed.compile(total);
      Statistics.collect("compiles");
    } catch (PolicyException e) {
      Statistics.collect("refused");
      // a spec that does not compile must fail the same way in canonical form
      assertEquals(e.getMessage(), expectFailure(reparsed, total));
      return;
    }
    CompiledPolicy b = reparsed.compile(total);
    long limit = (total == null ? 400 : total) + 20;
    for (long pos = 0; pos < limit; pos++) {
      assertEquals(a.actionAt(pos), b.actionAt(pos), "position " + pos + " of " + spec);
    }
  }

  @Property(tries = 300, seed = "7")
  void runsAgreeWithActionAt(@ForAll("specs") String spec, @ForAll("totals") Long total)
      throws Exception {
    CompiledPolicy c;
    try {
      c = PolicySpec.parse(spec, GPT).compile(total);
    } catch (PolicyException e) {
      return;
    }
    long from = 3;
    long to = (total == null ? 400 : total) + 20;
    long expectedFrom = from;
    PolicyAction previous = null;
    for (CompiledPolicy.Run run : c.runs(from, to)) {
      assertEquals(expectedFrom, run.from());
      assertEquals(false, run.action().equals(previous), "runs are maximal: " + run);
      for (long pos = run.from(); pos < run.to(); pos++) {
        assertEquals(c.actionAt(pos), run.action(), "position " + pos + " of " + spec);
      }
      expectedFrom = run.to();
      previous = run.action();
    }
    assertEquals(to, expectedFrom);
  }

  @Property(tries = 3000, seed = "11")
  void garbageIsRejectedWithAPolicyExceptionOnly(@ForAll("garbage") String text) {
    try {
      PolicySpec.parse(text, GPT).compile(100L);
      PolicySpec.parse(text, GPT).compile(null);
    } catch (PolicyException expected) {
      // the only way to fail
    }
  }

  @Property(tries = 2000, seed = "13")
  void mutatedSpecsAreRejectedWithAPolicyExceptionOnly(
      @ForAll("specs") String spec, @ForAll("mutations") List<Integer> edits) {
    StringBuilder text = new StringBuilder(spec);
    String alphabet = "0123456789.:%|,()+=/-_ aeintrslopmcfbxyz";
    for (int i = 0; i + 2 < edits.size(); i += 3) {
      int at = Math.floorMod(edits.get(i), text.length() + 1);
      switch (Math.floorMod(edits.get(i + 1), 3)) {
        case 0 -> text.insert(at, alphabet.charAt(Math.floorMod(edits.get(i + 2), alphabet.length())));
        case 1 -> {
          if (at < text.length()) {
            text.deleteCharAt(at);
          }
        }
        default -> {
          if (at < text.length()) {
            text.setCharAt(at, alphabet.charAt(Math.floorMod(edits.get(i + 2), alphabet.length())));
          }
        }
      }
    }
    try {
      PolicySpec.parse(text.toString(), GPT).compile(250L);
    } catch (PolicyException expected) {
      // the only way to fail
    }
  }

  private static String expectFailure(PolicySpec spec, Long total) {
    try {
      spec.compile(total);
      return "compiled";
    } catch (PolicyException e) {
      return e.getMessage();
    }
  }

  // ---- generators ----

  @Provide
  Arbitrary<Long> totals() {
    return Arbitraries.oneOf(
        Arbitraries.just((Long) null), Arbitraries.longs().between(0, 400).map(Long::valueOf),
        Arbitraries.longs().between(150, 400).map(Long::valueOf));
  }

  @Provide
  Arbitrary<List<Integer>> mutations() {
    return Arbitraries.integers().list().ofMinSize(1).ofMaxSize(12);
  }

  @Provide
  Arbitrary<String> garbage() {
    return Arbitraries.strings()
        .withChars("0123456789.:%|,()+=/-_ aeintrslopmcfbxyzSIT\t")
        .withChars('\u00e9', '\u0130')
        .ofMaxLength(60)
        .map(s -> Math.abs(s.hashCode()) % 3 == 0 ? "schedule=" + s : s);
  }

  @Provide
  Arbitrary<String> specs() {
    Arbitrary<String> rule = Arbitraries.oneOf(interval(), repeat());
    Arbitrary<List<String>> rules = rule.list().ofMinSize(1).ofMaxSize(4);
    Arbitrary<String> prefix = Arbitraries.of("", "policy:", " policy: ", "load_from=models/x,");
    return Combinators.combine(prefix, rules).as((p, rs) -> p + "schedule=" + String.join("|", rs));
  }

  private Arbitrary<String> interval() {
    return Combinators.combine(range(), action()).as((r, act) -> r + ":" + act);
  }

  private Arbitrary<String> repeat() {
    Arbitrary<String> segment =
        Combinators.combine(span(), action()).as((s, act) -> s + ":" + act);
    return Combinators.combine(range(), span(), segment.list().ofMinSize(1).ofMaxSize(3))
        .as((r, period, segs) -> "repeat(" + r + ",period=" + period + ",pattern=" + String.join("+", segs) + ")");
  }

  /** Mostly ordered ranges (so most specs compile), now and then an empty or inverted one. */
  private Arbitrary<String> range() {
    Arbitrary<String> absolute =
        Combinators.combine(Arbitraries.longs().between(0, 300), Arbitraries.longs().between(1, 200))
            .as((a, len) -> a + ".." + (a + len));
    Arbitrary<String> percent =
        Combinators.combine(Arbitraries.doubles().between(0, 60).ofScale(1), Arbitraries.doubles().between(5, 40).ofScale(2))
            .as((a, len) -> a + "%.." + Math.min(100.0, a + len) + "%");
    Arbitrary<String> mixed =
        Combinators.combine(Arbitraries.longs().between(0, 5), Arbitraries.of("50%", "100%", "75.5%"))
            .as((a, b) -> a + ".." + b);
    Arbitrary<String> odd = Arbitraries.of("10..10", "20..5", "0%..0%", "400..500", "12.5%..100%");
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(5, absolute),
        net.jqwik.api.Tuple.of(3, percent),
        net.jqwik.api.Tuple.of(2, mixed),
        net.jqwik.api.Tuple.of(1, odd));
  }

  private Arbitrary<String> span() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(8, Arbitraries.longs().between(1, 60).map(String::valueOf)),
        net.jqwik.api.Tuple.of(2, Arbitraries.of("5%", "10%", "2.5%")),
        net.jqwik.api.Tuple.of(1, Arbitraries.of("0", "0.1%")));
  }

  private Arbitrary<String> action() {
    Arbitrary<String> scope =
        Arbitraries.of("embed", "attn_norm", "FFN_norm", "attn", "ffn", "head", "bias")
            .list()
            .ofMinSize(1)
            .ofMaxSize(4)
            .map(names -> String.join(names.size() % 2 == 0 ? "+" : "/", names));
    Arbitrary<String> arg =
        Arbitraries.oneOf(
            scope.map(s -> "scope=" + s),
            Arbitraries.of("scope=all", "scope=none", "opt=adam", "optimizer=SGD", "clip=1.0"),
            Arbitraries.floats().between(-1f, 1f).map(f -> "lr=" + f),
            Arbitraries.of("lr=3e-4", "lr=1E-2", "momentum=0.95", "momentum=.5", "clip=0"),
            Arbitraries.integers().between(0, 16).map(i -> "stride=" + i),
            Arbitraries.integers().between(0, 4).map(i -> "bptt=" + i));
    Arbitrary<String> train =
        arg.list().ofMaxSize(5).map(args -> args.isEmpty() ? "train" : "train(" + String.join(",", new ArrayList<>(args)) + ")");
    return Arbitraries.oneOf(Arbitraries.of("infer", "INFER", "train"), train);
  }
}
