package dev.lifeboat.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.config.Node;
import dev.lifeboat.store.StoreFactory;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.launch.support.TaskExecutorJobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.repository.support.ResourcelessJobRepository;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * The door with a verb of its own on a real Spring Batch job repository (in memory) and operator:
 * the request reaches the step typed, the target resolved once, the result comes back typed, a
 * refusal records nothing, a failed step ends in the verb's unfinished result.
 */
class DoorTests {

  record Echo(String target, String text, boolean refuse, boolean fail)
      implements Request<Echoed> {}

  record Echoed(Outcome outcome, String summary, String error) implements Result {}

  static final class EchoVerb extends Verb<Echo, Echoed> {
    final List<Target> seen = new ArrayList<>();
    final List<Echoed> ended = new ArrayList<>();
    final List<Echo> abandoned = new ArrayList<>();

    EchoVerb(Job job) {
      super(VerbName.PRUNE, Echo.class, Echoed.class, job);
    }

    @Override
    public Echo prepare(Echo request, Target target) {
      if (request.refuse()) {
        throw new ConfigException("--text", "refused before anything ran");
      }
      return request;
    }

    @Override
    public Echoed unfinished(Echo request, JobExecution execution) {
      return new Echoed(Outcome.FAILED, null, Endings.firstMessage(execution));
    }

    @Override
    public Echoed settle(Echo request, Echoed result, JobExecution execution) {
      return request.text().equals("tell")
          ? new Echoed(result.outcome(), result.summary() + ", " + execution.getStatus(), null)
          : result;
    }

    @Override
    public void ended(Echo request, Echoed result) {
      ended.add(result);
    }

    @Override
    public void abandoned(Echo request) {
      abandoned.add(request);
    }
  }

  /** The threads the steps ran on, and whether each saw a step running on its thread already. */
  final List<String> threads = new ArrayList<>();

  final JobRepository repository = new ResourcelessJobRepository();
  final List<Target> seen = new ArrayList<>();
  final EchoVerb verb;
  final Handoff handoff = new Handoff();
  final LifeboatConfig config = config();
  final Targets targets = new Targets(config, new StoreFactory());
  final TaskExecutorJobOperator operator;
  final Door door;

  DoorTests() throws Exception {
    DefaultListableBeanFactory beans = new DefaultListableBeanFactory();
    beans.registerSingleton("repository", repository);
    Jobs jobs =
        new Jobs(
            repository,
            new LocalExecutions(
                beans.getBeanProvider(RunObserver.class),
                beans.getBeanProvider(JobRepository.class)),
            handoff,
            targets);
    verb =
        new EchoVerb(
            jobs.job(
                VerbName.PRUNE,
                jobs.step(
                    "echo",
                    Echo.class,
                    (request, target) -> {
                      seen.add(target);
                      threads.add(Thread.currentThread().getName());
                      if (request.fail()) {
                        throw new IllegalStateException("the step broke");
                      }
                      if (request.text().startsWith("outer")) {
                        // a verb composing another inside its step, as a safe migration's backups
                        // do
                        Echoed inner =
                            door().run(new Echo("app", "inner", false, false), Trigger.CLI);
                        return new Echoed(Outcome.SUCCESS, "outer, then " + inner.summary(), null);
                      }
                      return new Echoed(
                          Outcome.SUCCESS, request.text() + " on " + target.name(), null);
                    })));
    beans.registerSingleton("echo", verb);
    operator = new TaskExecutorJobOperator();
    operator.setJobRepository(repository);
    operator.setJobRegistry(
        new org.springframework.batch.core.configuration.support.MapJobRegistry());
    operator.afterPropertiesSet();
    door = door(beans);
  }

  /** A door to the verbs {@code beans} holds, on this test's repository, operator and hand-off. */
  private Door door(DefaultListableBeanFactory beans) {
    @SuppressWarnings({"unchecked", "rawtypes"})
    ObjectProvider<Verb<?, ?>> verbs = (ObjectProvider) beans.getBeanProvider(Verb.class);
    return new Door(
        verbs,
        targets,
        operator,
        ticking(Instant.parse("2026-12-07T10:00:00Z")),
        new Node(config.properties()),
        handoff);
  }

  /** A clock a second further on each time it is read: a nested run is its own job instance. */
  static Clock ticking(Instant first) {
    return new Clock() {
      private Instant next = first;

      @Override
      public ZoneOffset getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public synchronized Instant instant() {
        Instant now = next;
        next = next.plusSeconds(1);
        return now;
      }
    };
  }

  private Door door() {
    return door;
  }

  static LifeboatConfig config() {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("lifeboat.node", "node-a");
    all.put("lifeboat.targets.app.url", "jdbc:postgresql://db.internal:5433/app");
    all.put("lifeboat.targets.app.username", "backup");
    all.put("lifeboat.stores.local.type", "filesystem");
    all.put("lifeboat.stores.local.path", "/var/backups/lifeboat");
    return new LifeboatConfig(
        new Binder(new MapConfigurationPropertySource(all))
            .bindOrCreate("lifeboat", LifeboatProperties.class));
  }

  private List<JobExecution> executions() {
    List<JobExecution> all = new ArrayList<>();
    for (JobInstance i : repository.getJobInstances(VerbName.PRUNE.word(), 0, 10)) {
      all.addAll(repository.getJobExecutions(i));
    }
    return all;
  }

  @Test
  void theRequestReachesTheStepTypedAndTheResultComesBackTyped() {
    Echoed result = door.run(new Echo("app", "hello", false, false), Trigger.SCHEDULE);

    assertThat(result).isEqualTo(new Echoed(Outcome.SUCCESS, "hello on app", null));
    assertThat(seen).extracting(Target::name).containsExactly("app");
    JobExecution run = executions().get(0);
    JobParameters p = run.getJobParameters();
    assertThat(p.getParameter("target").identifying()).isTrue();
    assertThat(p.getString("startedAt")).isEqualTo("2026-12-07T10:00:00Z");
    assertThat(p.getParameter("request").identifying()).isFalse();
    assertThat(p.getString("request")).contains("\"text\":\"hello\"");
    assertThat(p.getString(Trigger.PARAMETER)).isEqualTo("schedule");
    assertThat(p.getString(Trigger.NODE)).isEqualTo("node-a");
    assertThat(History.describe(run).result()).isEqualTo("hello on app");
  }

  @Test
  void theVerbCompletesTheResultReadBackWithWhatItsExecutionTells() {
    assertThat(door.run(new Echo("app", "tell", false, false), Trigger.CLI).summary())
        .isEqualTo("tell on app, COMPLETED");
  }

  @Test
  void aRefusalIsThrownBeforeAnythingIsRecorded() {
    assertThatThrownBy(() -> door.run(new Echo("app", "x", true, false), Trigger.CLI))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("refused before anything ran");
    assertThat(executions()).isEmpty();
    assertThat(seen).isEmpty();
  }

  @Test
  void aStepThatBreaksEndsInTheVerbsUnfinishedResult() {
    Echoed result = door.run(new Echo("app", "x", false, true), Trigger.CLI);

    assertThat(result.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(result.error()).isEqualTo("the step broke");
    assertThat(executions())
        .extracting(JobExecution::getStatus)
        .containsExactly(BatchStatus.FAILED);
  }

  @Test
  void aPreparedRequestWhoseJobCannotStartIsAbandonedAndNeverEnded() {
    EchoVerb unstartable = new EchoVerb(null); // the job operator refuses it
    DefaultListableBeanFactory beans = new DefaultListableBeanFactory();
    beans.registerSingleton("unstartable", unstartable);
    Door door = door(beans);

    assertThatThrownBy(() -> door.run(new Echo("app", "x", false, false), Trigger.CLI))
        .isInstanceOf(RunException.class)
        .hasMessageStartingWith("could not start the prune job");
    assertThat(unstartable.abandoned).extracting(Echo::text).containsExactly("x");
    assertThat(unstartable.ended).isEmpty();

    // a refusal in prepare holds nothing, so it has nothing to abandon
    assertThatThrownBy(() -> door.run(new Echo("app", "y", true, false), Trigger.CLI))
        .isInstanceOf(ConfigException.class);
    assertThat(unstartable.abandoned).hasSize(1);
  }

  @Test
  void anUnknownTargetIsAUsageErrorBeforeAnythingIsRecorded() {
    assertThatThrownBy(() -> door.run(new Echo("nope", "x", false, false), Trigger.CLI))
        .isInstanceOf(ConfigException.class);
    assertThat(executions()).isEmpty();
  }

  @Test
  void theHandOffLastsAsLongAsTheRun() {
    door.run(new Echo("app", "x", false, false), Trigger.CLI);
    String ticket = executions().get(0).getJobParameters().getString(RequestCodec.TICKET);
    assertThat(ticket).isNotBlank();
    assertThat(handoff.target(ticket)).isEmpty();
  }

  @Test
  void aRequestTooLongForTheJobRepositoryIsRefusedBeforeAnythingIsRecorded() {
    String text = "x".repeat(RequestCodec.MAX_PARAMETER);
    assertThatThrownBy(() -> door.run(new Echo("app", text, false, false), Trigger.CLI))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("a run records at most 2500");
    assertThat(executions()).isEmpty();
    assertThat(seen).isEmpty();
  }

  @Test
  void aRunComposedInsideAnotherRunsStepStartsOnAThreadOfItsOwn() {
    Echoed outer = door.run(new Echo("app", "outer", false, false), Trigger.CLI);

    assertThat(outer).isEqualTo(new Echoed(Outcome.SUCCESS, "outer, then inner on app", null));
    assertThat(threads).hasSize(2);
    assertThat(threads.get(1)).isNotEqualTo(threads.get(0)).isEqualTo("lifeboat-prune");
    // each run is told its own ending, the inner one first
    assertThat(verb.ended)
        .containsExactly(new Echoed(Outcome.SUCCESS, "inner on app", null), outer);
  }

  @Test
  void aRunOutsideAnyStepStartsOnTheCallersThread() {
    door.run(new Echo("app", "x", false, false), Trigger.CLI);

    assertThat(threads).containsExactly(Thread.currentThread().getName());
  }

  @Test
  void aRefusedRequestIsNotToldAnEnding() {
    assertThatThrownBy(() -> door.run(new Echo("app", "x", true, false), Trigger.CLI))
        .isInstanceOf(ConfigException.class);
    assertThat(verb.ended).isEmpty();
  }
}
