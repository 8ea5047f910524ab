package dev.lifeboat.run;

import org.springframework.batch.infrastructure.support.transaction.ResourcelessTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Transactions for steps that stream for minutes or hours (dump, upload, restore, validate).
 *
 * <p>Spring Batch wraps a tasklet in a control-database transaction by default; held for a whole
 * dump, that is a transaction open for hours on a PostgreSQL control database, and with the
 * embedded H2 database one that breaks when another process hosting the file exits. These steps
 * change nothing in the control database themselves, so they run outside a transaction: the job
 * repository commits each of its own updates separately.
 */
public final class StepTransactions {

  private static final PlatformTransactionManager NONE = new ResourcelessTransactionManager();

  private StepTransactions() {}

  /** The transaction manager of a long tasklet step: none on the control database. */
  public static PlatformTransactionManager none() {
    return NONE;
  }
}
