package dev.fanout.operator;

import org.junit.jupiter.api.AfterEach;

/**
 * The console's task API with its task rows on a real PostgreSQL server: the same keyset paging,
 * state filter, throughput buckets and history of a deleted Job as on H2.
 */
class ConsolePostgresIT extends ConsoleApiIT {
  private PostgresSchema schema;

  @Override
  OperatorHarness harness() {
    schema = PostgresSchema.createOrSkip();
    return schema.harness();
  }

  @Override
  @AfterEach
  void stop() {
    super.stop();
    if (schema != null) {
      schema.drop();
    }
  }
}
