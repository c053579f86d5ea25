DROP TRIGGER users_count_delete;
DROP TRIGGER tasks_count_delete;
DROP TRIGGER tasks_count_insert;
DROP TABLE task_counts;
