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
}
