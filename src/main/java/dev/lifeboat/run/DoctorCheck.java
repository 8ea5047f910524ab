package dev.lifeboat.run;

import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Something {@code lifeboat version} checks. Every bean of this type is collected by the {@link
 * Doctor}; each of its probes runs on its own thread, in parallel with the others, and one that
 * does not answer in time is reported as failed by the doctor (so a probe may block on a network).
 */
public abstract class DoctorCheck {

  private final String topic;

  /**
   * @param topic what this check covers ("stores", "migrations"): the doctor reports a topic it
   *     expects but no check covers as "not configured"
   */
  protected DoctorCheck(String topic) {
    this.topic = topic;
  }

  public final String topic() {
    return topic;
  }

  /** The independent pieces of work, each answering one or more findings. */
  public abstract List<Probe> probes();

  /** One piece of work; {@code name} names its finding if it does not answer in time. */
  public record Probe(String name, Callable<List<Finding>> work) {

    /**
     * A probe of the configured target {@code target}, named {@code label}: the target is resolved
     * first, and one that cannot be (a mistake in its configuration) is the probe's failed finding.
     */
    public static Probe ofTarget(String label, Targets targets, String target, TargetWork work) {
      return new Probe(
          label,
          () -> {
            Target resolved;
            try {
              resolved = targets.resolve(target);
            } catch (RuntimeException e) {
              return List.of(Finding.fail(label, e.getMessage()));
            }
            return work.check(label, resolved);
          });
    }
  }

  /** What a probe of one resolved target finds, its findings named from {@code label}. */
  @FunctionalInterface
  public interface TargetWork {
    List<Finding> check(String label, Target target) throws Exception;
  }
}
