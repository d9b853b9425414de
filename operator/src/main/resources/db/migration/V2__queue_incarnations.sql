-- Which incarnation of each pool queue the task rows were sent into. A queue that comes back with
-- another incarnation (an embedded queue restarted with its operator, a queue deleted and created
-- again) no longer holds what the rows call SENT: those tasks are sent again.
create table fanout_queue (
  name          varchar(128) not null primary key,
  incarnation   varchar(64)  not null,
  seen_at       timestamp    not null
);
