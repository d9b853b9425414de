package dev.fanout.operator;

import java.util.UUID;

/** The operator's behaviour on embedded H2. */
class OperatorH2IT extends OperatorBehaviour {
  @Override
  OperatorHarness harness() {
    return new OperatorHarness("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");
  }
}
