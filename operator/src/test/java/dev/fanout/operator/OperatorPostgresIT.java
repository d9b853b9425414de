package dev.fanout.operator;

import org.junit.jupiter.api.AfterEach;

/** The operator's behaviour on a real PostgreSQL server, each test in a schema of its own. */
class OperatorPostgresIT extends OperatorBehaviour {
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
