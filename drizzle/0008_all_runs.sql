ALTER TABLE `measurements` ADD `all_runs` int;--> statement-breakpoint
-- protocol v2 rows recorded their total run count in env.quality.runs
UPDATE `measurements` SET `all_runs` = JSON_EXTRACT(`env`, '$.quality.runs')
WHERE `protocol` = 2 AND JSON_EXTRACT(`env`, '$.quality.runs') IS NOT NULL;