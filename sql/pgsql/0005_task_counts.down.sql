DROP TRIGGER tasks_count ON tasks;
DROP FUNCTION task_counts_keep();
DROP TABLE task_counts;
