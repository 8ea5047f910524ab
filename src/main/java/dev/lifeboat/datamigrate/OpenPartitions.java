package dev.lifeboat.datamigrate;

import dev.lifeboat.run.DataMigrateRequest;
import dev.lifeboat.run.Jobs;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.springframework.batch.core.job.JobExecutionException;
import org.springframework.batch.core.partition.StepExecutionSplitter;
import org.springframework.batch.core.partition.support.SimpleStepExecutionSplitter;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/** One partition step per key range not yet finished, read when the run starts. */
record OpenPartitions(JobRepository repository, ActiveRuns active, Jobs jobs)
    implements StepExecutionSplitter {

  @Override
  public String getStepName() {
    return "chunks";
  }

  @Override
  public Set<StepExecution> split(StepExecution manager, int gridSize)
      throws JobExecutionException {
    ActiveRun run =
        active.get(jobs.request(manager.getJobExecution(), DataMigrateRequest.class).name());
    Map<String, ExecutionContext> contexts = new LinkedHashMap<>();
    if (run != null) {
      for (DataMigrationStatus.Partition p : run.open) {
        ExecutionContext ctx = new ExecutionContext();
        ctx.putInt(ChunkWorker.PARTITION, p.partition());
        contexts.put("partition" + p.partition(), ctx);
      }
    }
    return new SimpleStepExecutionSplitter(repository, "chunks", size -> contexts)
        .split(manager, contexts.size());
  }
}
