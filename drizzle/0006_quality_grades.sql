ALTER TABLE `latest_measurements` ADD `grade` enum('clean','estimated','contended','legacy') DEFAULT 'legacy' NOT NULL;--> statement-breakpoint
ALTER TABLE `measurements` ADD `protocol` tinyint DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `measurements` ADD `grade` enum('clean','estimated','contended','legacy') DEFAULT 'legacy' NOT NULL;--> statement-breakpoint
ALTER TABLE `measurements` ADD `label_kind` enum('wall-clean','cpu-estimate','wall-contended','wall-v1') DEFAULT 'wall-v1' NOT NULL;--> statement-breakpoint
ALTER TABLE `measurements` ADD `clean_runs` int;--> statement-breakpoint
ALTER TABLE `measurements` ADD `ci_rel` double;--> statement-breakpoint
ALTER TABLE `measurements` ADD `wall_cpu_ratio` double;--> statement-breakpoint
ALTER TABLE `measurements` ADD `interference_share` double;--> statement-breakpoint
ALTER TABLE `measurements` ADD `runq_share` double;--> statement-breakpoint
ALTER TABLE `measurements` ADD `wait_ms` double;--> statement-breakpoint
ALTER TABLE `measurements` ADD `cpu_median_ms` double;--> statement-breakpoint
CREATE INDEX `latest_platform_grade_idx` ON `latest_measurements` (`platform_id`,`grade`,`batch`,`median_ms`);--> statement-breakpoint
-- rows written by a protocol v2 worker before this migration carry their quality in env.quality: copy it into the columns
UPDATE `measurements` SET
  `protocol` = 2,
  `grade` = JSON_UNQUOTE(JSON_EXTRACT(`env`, '$.quality.grade')),
  `label_kind` = JSON_UNQUOTE(JSON_EXTRACT(`env`, '$.quality.labelKind')),
  `clean_runs` = JSON_EXTRACT(`env`, '$.quality.cleanRuns'),
  `ci_rel` = NULLIF(JSON_UNQUOTE(JSON_EXTRACT(`env`, '$.quality.ciRel')), 'null'),
  `wall_cpu_ratio` = NULLIF(JSON_UNQUOTE(JSON_EXTRACT(`env`, '$.quality.wallCpuRatio')), 'null'),
  `interference_share` = NULLIF(JSON_UNQUOTE(JSON_EXTRACT(`env`, '$.quality.interferenceShare')), 'null'),
  `runq_share` = NULLIF(JSON_UNQUOTE(JSON_EXTRACT(`env`, '$.quality.runqShare')), 'null'),
  `wait_ms` = JSON_EXTRACT(`env`, '$.quality.waitMs'),
  `cpu_median_ms` = NULLIF(JSON_UNQUOTE(JSON_EXTRACT(`env`, '$.quality.cpuMedianMs')), 'null')
WHERE JSON_EXTRACT(`env`, '$.quality.protocol') = 2
  AND JSON_UNQUOTE(JSON_EXTRACT(`env`, '$.quality.grade')) IN ('clean', 'estimated', 'contended');
--> statement-breakpoint
UPDATE `latest_measurements` l JOIN `measurements` m ON m.`id` = l.`measurement_id` SET l.`grade` = m.`grade`;
--> statement-breakpoint
-- the kept row of a pair is its newest clean measurement where one exists (measurements.ts keeps it so from now on)
UPDATE `latest_measurements` l
  JOIN (SELECT `model_id`, `platform_id`, `batch`, MAX(`id`) AS `id` FROM `measurements` WHERE `grade` = 'clean'
        GROUP BY `model_id`, `platform_id`, `batch`) c
    ON c.`model_id` = l.`model_id` AND c.`platform_id` = l.`platform_id` AND c.`batch` = l.`batch`
  JOIN `measurements` m ON m.`id` = c.`id`
  SET l.`measurement_id` = m.`id`, l.`median_ms` = m.`median_ms`, l.`measured_at` = m.`measured_at`, l.`grade` = 'clean'
  WHERE l.`grade` <> 'clean';
