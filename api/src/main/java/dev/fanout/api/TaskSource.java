package dev.fanout.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** Where a Job's tasks come from: a count of indexes, or one task per item. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.count) != has(self.items)",
    message = "exactly one of spec.tasks.count and spec.tasks.items must be set")
public class TaskSource {
  public static final int MAX_COUNT = 100_000;
  public static final int MAX_ITEMS = 10_000;
  public static final int MAX_ITEM_BYTES = 8 * 1024;

  @Min(1)
  @Max(MAX_COUNT)
  @JsonPropertyDescription("N tasks, with indexes 0..N-1.")
  private Integer count;

  @Size(min = 1, max = MAX_ITEMS)
  @JsonPropertyDescription(
      "One task per item; the item (an object, at most 8 KiB as JSON) is that task's parameters.")
  private List<ObjectNode> items;

  public TaskSource() {}

  public static TaskSource ofCount(int count) {
    TaskSource source = new TaskSource();
    source.setCount(count);
    return source;
  }

  public Integer getCount() {
    return count;
  }

  public void setCount(Integer count) {
    this.count = count;
  }

  public List<ObjectNode> getItems() {
    return items;
  }

  public void setItems(List<ObjectNode> items) {
    this.items = items;
  }
}
