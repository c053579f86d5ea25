DROP TABLE events_pruned;
DROP TABLE events;
