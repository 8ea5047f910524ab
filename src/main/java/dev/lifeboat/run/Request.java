package dev.lifeboat.run;

/**
 * What a caller asks of one verb: a record, the same whether typed on the command line, composed by
 * another verb or fired by a schedule. The door stores it as the run's {@code request} parameter,
 * so it holds names and flags, never a secret.
 *
 * @param <R> the verb's result
 */
public interface Request<R extends Result> {

  /** The target the run is for. */
  String target();

  /**
   * The backup the run reads, as asked ({@code latest} or an id), kept as the run's {@code backup}
   * parameter for notifications and history; null when the verb reads none.
   */
  default String backup() {
    return null;
  }
}
