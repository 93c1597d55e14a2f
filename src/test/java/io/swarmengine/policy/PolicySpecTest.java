package io.swarmengine.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class PolicySpecTest {
  /** The scope list the seed's own tests use. */
  static final List<String> SEED_SCOPES =
      List.of("embed", "pre_norm", "attn_norm", "ffn_norm", "attn", "ffn", "head", "bias", "all", "none");

  static final List<String> GPT = TrainScope.GPT2_SCOPES;

  static PolicyAction.Train train(PolicyAction action) {
    return assertInstanceOf(PolicyAction.Train.class, action);
  }

  // ---- the seed's tests ----

  @Test
  void parsePolicyBasicAndCompile() throws Exception {
    PolicySpec p =
        PolicySpec.parse(
            "policy:schedule=0..10:infer|10..100%:train(scope=head+bias,opt=adam,lr=0.01,stride=2,bptt=4,clip=1.0,momentum=0.95)",
            SEED_SCOPES);
    CompiledPolicy c = p.compile(100L);
    assertEquals(PolicyAction.INFER, c.actionAt(0));
    PolicyAction.Train t = train(c.actionAt(15));
    assertTrue(t.scope().contains("head"));
    assertTrue(t.scope().contains("bias"));
    assertFalse(t.scope().contains("attn"));
    assertEquals(2, t.stride());
    assertEquals(4, t.bptt());
    assertEquals(OptimizerKind.ADAM, t.optimizer());
    assertEquals(0.01f, t.lr());
    assertEquals(1.0f, t.clip());
    assertEquals(0.95f, t.momentum());
  }

  @Test
  void parseRepeatPolicy() throws Exception {
    assertThrows(
        PolicyException.class,
        () ->
            PolicySpec.parse(
                "schedule=0..100:repeat(0..100,period=10,pattern=3:train(scope=head,opt=sgd,lr=0.1,stride=1,bptt=1,clip=0,momentum=0.9)+7:infer)",
                SEED_SCOPES));
    PolicySpec p =
        PolicySpec.parse(
            "schedule=repeat(0..100,period=10,pattern=3:train(scope=head,opt=sgd,lr=0.1,stride=1,bptt=1,clip=0,momentum=0.9)+7:infer)",
            SEED_SCOPES);
    CompiledPolicy c = p.compile(100L);
    assertInstanceOf(PolicyAction.Train.class, c.actionAt(0));
    assertEquals(PolicyAction.INFER, c.actionAt(3));
    assertInstanceOf(PolicyAction.Train.class, c.actionAt(10));
  }

  // ---- actions ----

  @Test
  void bareTrainHasTheSeedDefaults() throws Exception {
    PolicyAction.Train t = train(PolicyAction.parse("TRAIN", GPT));
    assertTrue(t.scope().isAll());
    assertEquals(OptimizerKind.SGD, t.optimizer());
    assertEquals(0.001f, t.lr());
    assertEquals(1, t.stride());
    assertEquals(1, t.bptt());
    assertEquals(0f, t.clip());
    assertEquals(0.9f, t.momentum());
    assertEquals(PolicyAction.Train.DEFAULT, PolicyAction.parse("train()", GPT));
    assertEquals(PolicyAction.INFER, PolicyAction.parse(" InFeR ", GPT));
  }

  @Test
  void clampsAndCaseRules() throws Exception {
    PolicyAction.Train t =
        train(
            PolicyAction.parse(
                "train(SCOPE=FFN/Attn|attn, Optimizer=ADAM, lr=-5, stride=0, bptt=0, clip=-1, momentum=-0.5)",
                GPT));
    assertEquals("attn+ffn", t.scope().canonical());
    assertEquals(List.of("attn", "ffn"), t.scope().names());
    assertEquals(OptimizerKind.ADAM, t.optimizer());
    assertEquals(0f, t.lr());
    assertEquals(1, t.stride());
    assertEquals(1, t.bptt());
    assertEquals(0f, t.clip());
    assertEquals(-0.5f, t.momentum());
    assertEquals(3e-4f, train(PolicyAction.parse("train(lr=3e-4,stride=+8)", GPT)).lr());
    assertEquals(8, train(PolicyAction.parse("train(lr=3e-4,stride=+8)", GPT)).stride());
    assertTrue(train(PolicyAction.parse("train(scope=none)", GPT)).scope().isNone());
    assertTrue(train(PolicyAction.parse("train(scope=+/)", GPT)).scope().isNone());
    assertTrue(train(PolicyAction.parse("train(scope=ALL)", GPT)).scope().isAll());
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = ';',
      value = {
        "'';invalid action ''",
        "trainer;invalid action 'trainer'",
        "TRAIN(lr=1);invalid action 'TRAIN(lr=1)'",
        "train(lr);invalid train argument 'lr'",
        "train(lr=abc);invalid lr 'abc'",
        "train(lr=1.0f);invalid lr '1.0f'",
        "train(lr=0x10);invalid lr '0x10'",
        "train(lr=nan);invalid lr 'nan', must be a finite number",
        "train(clip=inf);invalid clip 'inf', must be a finite number",
        "train(momentum=1e40);invalid momentum '1e40', must be a finite number",
        "train(stride=-1);invalid stride '-1'",
        "train(stride=1.5);invalid stride '1.5'",
        "train(bptt=x);invalid bptt 'x'",
        "train(stride=99999999999);invalid stride '99999999999'",
        "train(opt=rmsprop);unknown optimizer 'rmsprop'",
        "train(scope=);empty train scope",
        "train(scope=attn+mlp);unknown train scope 'mlp', allowed: embed,attn_norm,ffn_norm,attn,ffn,head,bias,all,none",
        "train(scope=all+attn);scope list cannot mix 'all' with named scopes",
        "train(scope=attn+none);scope list cannot mix 'none' with named scopes",
        "train(warmup=3);unknown train argument key 'warmup'",
        "train(lr=(1);unbalanced '(' in 'lr=(1'",
      })
  void badActionsNameTheBadPart(String action, String expected) {
    PolicyException e = assertThrows(PolicyException.class, () -> PolicyAction.parse(action, GPT));
    assertTrue(e.getMessage().startsWith(expected), e.getMessage());
  }

  // ---- the whole spec ----

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = ';',
      value = {
        "'';empty policy segment",
        "'  policy:  ';empty policy segment",
        "load_from=x;policy requires schedule=...",
        "schedule;invalid policy key/value pair 'schedule'",
        "schedule=;policy schedule must not be empty",
        "load_from=,schedule=0..1:infer;policy load_from must not be empty",
        "schedule=0..1:infer,seed=3;unknown policy key 'seed'",
        "schedule=|;policy schedule must contain at least one rule",
        "schedule=0..10;invalid schedule rule '0..10', expected <start>..<end>:<action>",
        "schedule=0-10:infer;invalid range '0-10'",
        "schedule=..10:infer;invalid absolute position ''",
        "schedule=a..10:infer;invalid absolute position 'a'",
        "schedule=-1..10:infer;invalid absolute position '-1'",
        "schedule=0..99999999999999999999:infer;invalid absolute position '99999999999999999999'",
        "schedule=0..x%:infer;invalid percent position 'x%'",
        "schedule=0..101%:infer;percent position must be in [0,100], got 101",
        "schedule=0..-1%:infer;percent position must be in [0,100], got -1",
        "schedule=0..nan%:infer;percent position must be in [0,100], got NaN",
        "schedule=0..10:infer)(;unbalanced ')'",
        "schedule=repeat(0..10,period=2,pattern=1:infer;unbalanced '(' in 'schedule=repeat(0..10,period=2,pattern=1:infer'",
        "schedule=repeat(0..10,period=2,pattern=1:infer)x;invalid repeat rule 'repeat(0..10,period=2,pattern=1:infer)x'",
        "schedule=repeat(0..10,pattern=1:infer);repeat rule 'repeat(0..10,pattern=1:infer)' requires period=...",
        "schedule=repeat(0..10,period=2);repeat rule 'repeat(0..10,period=2)' requires pattern=...",
        "schedule=repeat(0..10,period=2,pattern=);repeat pattern must not be empty",
        "schedule=repeat(0..10,period=2,pattern=1);invalid repeat pattern segment '1'",
        "schedule=repeat(0..10,period=2,pattern=1:learn);invalid action 'learn'",
        "schedule=repeat(0..10,period=2,every=3,pattern=1:infer);unknown repeat key 'every'",
        "schedule=repeat(0..10,period,pattern=1:infer);invalid repeat argument 'period'",
        "schedule=repeat();invalid range ''",
        "schedule=REPEAT(0..10,period=2,pattern=1:infer);invalid absolute position 'REPEAT(0'",
        "schedule=0..100:repeat(0..100,period=10,pattern=3:infer);invalid action 'repeat(0..100,period=10,pattern=3:infer)'",
      })
  void badSpecsNameTheBadPart(String spec, String expected) {
    PolicyException e = assertThrows(PolicyException.class, () -> PolicySpec.parse(spec, GPT));
    assertTrue(e.getMessage().startsWith(expected), e.getMessage());
  }

  @Test
  void loadFromPrefixAndBlanks() throws Exception {
    PolicySpec p = PolicySpec.parse("  policy: LOAD_FROM = models/base , Schedule = 0..5 : infer ", GPT);
    assertEquals(Optional.of("models/base"), p.loadFrom());
    assertEquals("load_from=models/base,schedule=0..5:infer", p.canonical());
    assertFalse(p.canTrain());
    assertTrue(PolicySpec.parse("schedule=repeat(0..9,period=3,pattern=1:train+2:infer)", GPT).canTrain());
    assertTrue(PolicySpec.parse("schedule=0..1:infer|1..2:train", GPT).canTrain());
  }

  // ---- compiling ----

  @Test
  void percentBoundariesFloorAndClamp() throws Exception {
    PolicySpec p = PolicySpec.parse("schedule=0..33.3%:infer|33.3%..100%:train", GPT);
    CompiledPolicy c = p.compile(10L);
    // floor(10 × 0.333) = 3
    assertEquals(PolicyAction.INFER, c.actionAt(2));
    assertInstanceOf(PolicyAction.Train.class, c.actionAt(3));
    assertInstanceOf(PolicyAction.Train.class, c.actionAt(9));
    assertEquals(PolicyAction.INFER, c.actionAt(10), "past the total, no rule contains the position");
    // absolute boundaries are clamped to the total when it is known, and not otherwise
    CompiledPolicy clamped = PolicySpec.parse("schedule=0..1000:train", GPT).compile(50L);
    assertEquals(PolicyAction.INFER, clamped.actionAt(50));
    CompiledPolicy open = PolicySpec.parse("schedule=0..1000:train", GPT).compile(null);
    assertInstanceOf(PolicyAction.Train.class, open.actionAt(999));
    assertEquals(PolicyAction.INFER, open.actionAt(1000));
  }

  @Test
  void spansAreNeverClamped() throws Exception {
    // period 20 is larger than the total, and the pattern total 15 is too: not clamped
    CompiledPolicy c =
        PolicySpec.parse("schedule=repeat(0..100%,period=20,pattern=5:train+10:infer)", GPT)
            .compile(10L);
    assertInstanceOf(PolicyAction.Train.class, c.actionAt(4));
    assertEquals(PolicyAction.INFER, c.actionAt(5));
    // percent spans resolve against the total without clamping: 50% of 10 = 5
    CompiledPolicy pct =
        PolicySpec.parse("schedule=repeat(0..100%,period=50%,pattern=20%:train)", GPT).compile(10L);
    assertInstanceOf(PolicyAction.Train.class, pct.actionAt(6));
    assertEquals(PolicyAction.INFER, pct.actionAt(7), "phase 2 is past the pattern total (2)");
  }

  @Test
  void phaseBeyondThePatternInfersAndFirstRuleWins() throws Exception {
    CompiledPolicy c =
        PolicySpec.parse(
                "schedule=repeat(10..40,period=10,pattern=2:train(lr=0.1)+3:train(lr=0.2))|0..100:train(lr=0.5)",
                GPT)
            .compile(null);
    assertEquals(0.5f, train(c.actionAt(0)).lr());
    assertEquals(0.1f, train(c.actionAt(10)).lr());
    assertEquals(0.2f, train(c.actionAt(12)).lr());
    assertEquals(0.2f, train(c.actionAt(14)).lr());
    assertEquals(PolicyAction.INFER, c.actionAt(15), "phase 5 is past the pattern: infer, not the next rule");
    assertEquals(PolicyAction.INFER, c.actionAt(39));
    assertEquals(0.5f, train(c.actionAt(40)).lr());
    assertEquals(PolicyAction.INFER, c.actionAt(100));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = ';',
      value = {
        "schedule=0..50%:infer;percent position '50%' in rule 1 '0..50%:infer' requires a known total",
        "schedule=repeat(0..10,period=10%,pattern=1:infer);percent position '10%' in rule 1",
        "schedule=5..5:infer;invalid interval with end <= start (5..5) in rule 1 '5..5:infer'",
        "schedule=0..1:infer|9..3:train;invalid interval with end <= start (9..3) in rule 2",
        "schedule=repeat(7..2,period=1,pattern=1:infer);invalid repeat interval with end <= start (7..2)",
        "schedule=repeat(0..10,period=0,pattern=1:infer);repeat period must be > 0",
        "schedule=repeat(0..10,period=5,pattern=1:infer+0:train);repeat pattern segment span must be > 0 (segment 2)",
      })
  void compileErrorsWithoutATotal(String spec, String expected) throws Exception {
    PolicySpec p = PolicySpec.parse(spec, GPT);
    PolicyException e = assertThrows(PolicyException.class, () -> p.compile(null));
    assertTrue(e.getMessage().startsWith(expected), e.getMessage());
  }

  @Test
  void compileErrorsThatDependOnTheTotal() throws Exception {
    // a rule beyond the total clamps to an empty interval
    PolicySpec beyond = PolicySpec.parse("schedule=0..10:infer|20..30:train", GPT);
    beyond.compile(null);
    PolicyException e = assertThrows(PolicyException.class, () -> beyond.compile(15L));
    assertTrue(e.getMessage().contains("(15..15)"), e.getMessage());
    // a percent span that floors to zero
    PolicySpec tiny = PolicySpec.parse("schedule=repeat(0..100%,period=1%,pattern=1:train)", GPT);
    tiny.compile(100L);
    e = assertThrows(PolicyException.class, () -> tiny.compile(50L));
    assertTrue(e.getMessage().startsWith("repeat period must be > 0"), e.getMessage());
  }

  // ---- canonical form ----

  @Test
  void canonicalForm() throws Exception {
    PolicySpec p =
        PolicySpec.parse(
            "schedule=0..200:infer|200..100%:train(scope=ffn+attn,opt=adam,lr=3e-4,stride=8,clip=1.0)|repeat(0..12.5%,period=100,pattern=90:infer+10:train(scope=attn,opt=SGD,lr=0.01))",
            GPT);
    assertEquals(
        "schedule=0..200:infer|200..100%:train(scope=attn+ffn,opt=adam,lr=0.0003,stride=8,bptt=1,clip=1,momentum=0.9)"
            + "|repeat(0..12.5%,period=100,pattern=90:infer+10:train(scope=attn,opt=sgd,lr=0.01,stride=1,bptt=1,clip=0,momentum=0.9))",
        p.canonical());
    assertEquals(p, PolicySpec.parse(p.canonical(), GPT));
    assertEquals("train(scope=all,opt=sgd,lr=0.001,stride=1,bptt=1,clip=0,momentum=0.9)", PolicyAction.Train.DEFAULT.canonical());
    assertEquals(
        "schedule=0..0%:infer",
        PolicySpec.parse("schedule=0..0.0%:infer", GPT).canonical());
  }

  // ---- runs ----

  @Test
  void runsAreMaximalAndMergeEqualNeighbours() throws Exception {
    CompiledPolicy c =
        PolicySpec.parse(
                "schedule=0..10:infer|10..20:infer|20..30:train|repeat(30..60,period=10,pattern=4:train+6:infer)",
                GPT)
            .compile(null);
    List<CompiledPolicy.Run> runs = c.runs(5, 70);
    assertEquals(
        List.of(
            new CompiledPolicy.Run(5, 20, PolicyAction.INFER),
            new CompiledPolicy.Run(20, 34, PolicyAction.Train.DEFAULT),
            new CompiledPolicy.Run(34, 40, PolicyAction.INFER),
            new CompiledPolicy.Run(40, 44, PolicyAction.Train.DEFAULT),
            new CompiledPolicy.Run(44, 50, PolicyAction.INFER),
            new CompiledPolicy.Run(50, 54, PolicyAction.Train.DEFAULT),
            new CompiledPolicy.Run(54, 70, PolicyAction.INFER)),
        runs);
    assertEquals(Long.MAX_VALUE, c.nextBoundary(60));
    assertEquals(List.of(new CompiledPolicy.Run(100, Long.MAX_VALUE, PolicyAction.INFER)), c.runs(100, Long.MAX_VALUE));
  }
}
