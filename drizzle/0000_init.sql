CREATE TABLE `api_keys` (
	`id` int AUTO_INCREMENT NOT NULL,
	`team_id` int NOT NULL,
	`created_by` int,
	`name` varchar(100) NOT NULL,
	`prefix` varchar(16) NOT NULL,
	`hash` char(64) NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`last_used_at` datetime(3),
	`revoked_at` datetime(3),
	CONSTRAINT `api_keys_id` PRIMARY KEY(`id`),
	CONSTRAINT `api_keys_prefix_uq` UNIQUE(`prefix`),
	CONSTRAINT `api_keys_hash_uq` UNIQUE(`hash`)
);
--> statement-breakpoint
CREATE TABLE `architecture_families` (
	`name` varchar(32) NOT NULL,
	`label` varchar(80) NOT NULL,
	`description` text,
	CONSTRAINT `architecture_families_name` PRIMARY KEY(`name`)
);
--> statement-breakpoint
CREATE TABLE `devices` (
	`id` int AUTO_INCREMENT NOT NULL,
	`platform_id` int NOT NULL,
	`host_name` varchar(255) NOT NULL,
	`token_hash` char(64) NOT NULL,
	`status` enum('online','busy','offline','disabled') NOT NULL DEFAULT 'offline',
	`host_info` json,
	`last_heartbeat_at` datetime(3),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `devices_id` PRIMARY KEY(`id`),
	CONSTRAINT `devices_token_uq` UNIQUE(`token_hash`),
	CONSTRAINT `devices_platform_host_uq` UNIQUE(`platform_id`,`host_name`)
);
--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` int AUTO_INCREMENT NOT NULL,
	`model_id` int NOT NULL,
	`platform_id` int NOT NULL,
	`batch` int NOT NULL,
	`team_id` int,
	`user_id` int,
	`api_key_id` int,
	`state` enum('queued','leased','running','done','failed','cancelled') NOT NULL DEFAULT 'queued',
	`priority` int NOT NULL DEFAULT 0,
	`lease_owner` int,
	`lease_expires_at` datetime(3),
	`attempts` int NOT NULL DEFAULT 0,
	`max_attempts` int NOT NULL DEFAULT 3,
	`error_code` varchar(64),
	`error` text,
	`idempotency_key` varchar(191),
	`measurement_id` int,
	`reserved_seconds` double,
	`used_seconds` double,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`started_at` datetime(3),
	`finished_at` datetime(3),
	CONSTRAINT `jobs_id` PRIMARY KEY(`id`),
	CONSTRAINT `jobs_idempotency_uq` UNIQUE(`idempotency_key`)
);
--> statement-breakpoint
CREATE TABLE `latest_measurements` (
	`model_id` int NOT NULL,
	`platform_id` int NOT NULL,
	`batch` int NOT NULL,
	`measurement_id` int NOT NULL,
	`median_ms` double NOT NULL,
	`measurement_count` int NOT NULL DEFAULT 1,
	`family` varchar(32) NOT NULL,
	`flops` bigint unsigned NOT NULL,
	`params` bigint unsigned NOT NULL,
	`visibility` enum('public','private') NOT NULL,
	`owner_team_id` int,
	`source` enum('upload','zoo','api') NOT NULL,
	`measured_at` datetime(3) NOT NULL,
	CONSTRAINT `latest_measurements_model_id_platform_id_batch_pk` PRIMARY KEY(`model_id`,`platform_id`,`batch`)
);
--> statement-breakpoint
CREATE TABLE `measurements` (
	`id` int AUTO_INCREMENT NOT NULL,
	`model_id` int NOT NULL,
	`platform_id` int NOT NULL,
	`batch` int NOT NULL,
	`device_id` int,
	`job_id` int,
	`runtime_version` varchar(32) NOT NULL,
	`median_ms` double NOT NULL,
	`mean_ms` double NOT NULL,
	`min_ms` double NOT NULL,
	`max_ms` double,
	`p90_ms` double NOT NULL,
	`p99_ms` double NOT NULL,
	`std_ms` double NOT NULL,
	`cv` double,
	`runs` int NOT NULL,
	`warmups` int NOT NULL,
	`peak_memory_bytes` bigint unsigned,
	`profile` json,
	`env` json,
	`device_seconds` double,
	`measured_at` datetime(3) NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `measurements_id` PRIMARY KEY(`id`),
	CONSTRAINT `measurements_job_uq` UNIQUE(`job_id`)
);
--> statement-breakpoint
CREATE TABLE `memberships` (
	`team_id` int NOT NULL,
	`user_id` int NOT NULL,
	`role` enum('member','admin','owner') NOT NULL DEFAULT 'member',
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `memberships_team_id_user_id_pk` PRIMARY KEY(`team_id`,`user_id`)
);
--> statement-breakpoint
CREATE TABLE `model_blobs` (
	`model_id` int NOT NULL,
	`bytes` longblob NOT NULL,
	CONSTRAINT `model_blobs_model_id` PRIMARY KEY(`model_id`)
);
--> statement-breakpoint
CREATE TABLE `models` (
	`id` int AUTO_INCREMENT NOT NULL,
	`hash` char(64) NOT NULL,
	`name` varchar(255) NOT NULL,
	`family` varchar(32) NOT NULL,
	`family_confidence` double,
	`batch` int NOT NULL,
	`input_shapes` json NOT NULL,
	`opset` int,
	`flops` bigint unsigned NOT NULL,
	`macs` bigint unsigned,
	`params` bigint unsigned NOT NULL,
	`memory_access` bigint unsigned NOT NULL,
	`activation_memory` bigint unsigned,
	`node_count` int NOT NULL,
	`op_histogram` json NOT NULL,
	`owner_team_id` int,
	`uploaded_by` int,
	`visibility` enum('public','private') NOT NULL DEFAULT 'private',
	`source` enum('upload','zoo','api') NOT NULL,
	`zoo_spec` json,
	`storage_key` varchar(512),
	`onnx_bytes` int,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `models_id` PRIMARY KEY(`id`),
	CONSTRAINT `models_hash_uq` UNIQUE(`hash`)
);
--> statement-breakpoint
CREATE TABLE `platforms` (
	`id` int AUTO_INCREMENT NOT NULL,
	`slug` varchar(160) NOT NULL,
	`name` varchar(200) NOT NULL,
	`hardware` varchar(120) NOT NULL,
	`runtime` varchar(64) NOT NULL,
	`runtime_version` varchar(32) NOT NULL,
	`precision` enum('fp32','fp16','int8') NOT NULL,
	`threads` int NOT NULL,
	`config` json NOT NULL,
	`description` text,
	`active` boolean NOT NULL DEFAULT true,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `platforms_id` PRIMARY KEY(`id`),
	CONSTRAINT `platforms_slug_uq` UNIQUE(`slug`)
);
--> statement-breakpoint
CREATE TABLE `predictions` (
	`id` int AUTO_INCREMENT NOT NULL,
	`model_id` int NOT NULL,
	`platform_id` int NOT NULL,
	`batch` int NOT NULL,
	`predictor_version_id` int NOT NULL,
	`value_ms` double NOT NULL,
	`uncertainty_ms` double,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `predictions_id` PRIMARY KEY(`id`),
	CONSTRAINT `predictions_uq` UNIQUE(`model_id`,`platform_id`,`batch`,`predictor_version_id`)
);
--> statement-breakpoint
CREATE TABLE `predictor_versions` (
	`id` int AUTO_INCREMENT NOT NULL,
	`name` varchar(100) NOT NULL,
	`method` varchar(64) NOT NULL,
	`platform_ids` json NOT NULL,
	`feature_set_version` varchar(32) NOT NULL,
	`training_set_size` int NOT NULL,
	`metrics` json,
	`weights_uri` varchar(512),
	`status` enum('training','evaluated','promoted','retired','failed') NOT NULL DEFAULT 'training',
	`parent_id` int,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`promoted_at` datetime(3),
	CONSTRAINT `predictor_versions_id` PRIMARY KEY(`id`),
	CONSTRAINT `predictor_versions_name_uq` UNIQUE(`name`)
);
--> statement-breakpoint
CREATE TABLE `quotas` (
	`team_id` int NOT NULL,
	`platform_id` int NOT NULL,
	`month` char(7) NOT NULL,
	`device_seconds` double NOT NULL,
	`set_by` int,
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `quotas_team_id_platform_id_month_pk` PRIMARY KEY(`team_id`,`platform_id`,`month`)
);
--> statement-breakpoint
CREATE TABLE `teams` (
	`id` int AUTO_INCREMENT NOT NULL,
	`name` varchar(120) NOT NULL,
	`created_by` int,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `teams_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `usage_ledger` (
	`id` int AUTO_INCREMENT NOT NULL,
	`team_id` int NOT NULL,
	`platform_id` int NOT NULL,
	`month` char(7) NOT NULL,
	`job_id` int,
	`kind` enum('reserve','settle','refund','adjust') NOT NULL,
	`delta_seconds` double NOT NULL,
	`note` varchar(255),
	`created_by` int,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `usage_ledger_id` PRIMARY KEY(`id`),
	CONSTRAINT `usage_job_kind_uq` UNIQUE(`job_id`,`kind`)
);
--> statement-breakpoint
CREATE TABLE `users` (
	`id` int AUTO_INCREMENT NOT NULL,
	`email` varchar(255) NOT NULL,
	`name` varchar(120) NOT NULL,
	`password_hash` varchar(100) NOT NULL,
	`is_site_admin` boolean NOT NULL DEFAULT false,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `users_id` PRIMARY KEY(`id`),
	CONSTRAINT `users_email_uq` UNIQUE(`email`)
);
--> statement-breakpoint
ALTER TABLE `api_keys` ADD CONSTRAINT `api_keys_team_id_teams_id_fk` FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `api_keys` ADD CONSTRAINT `api_keys_created_by_users_id_fk` FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `devices` ADD CONSTRAINT `devices_platform_id_platforms_id_fk` FOREIGN KEY (`platform_id`) REFERENCES `platforms`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `jobs` ADD CONSTRAINT `jobs_model_id_models_id_fk` FOREIGN KEY (`model_id`) REFERENCES `models`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `jobs` ADD CONSTRAINT `jobs_platform_id_platforms_id_fk` FOREIGN KEY (`platform_id`) REFERENCES `platforms`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `jobs` ADD CONSTRAINT `jobs_team_id_teams_id_fk` FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `jobs` ADD CONSTRAINT `jobs_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `jobs` ADD CONSTRAINT `jobs_api_key_id_api_keys_id_fk` FOREIGN KEY (`api_key_id`) REFERENCES `api_keys`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `jobs` ADD CONSTRAINT `jobs_lease_owner_devices_id_fk` FOREIGN KEY (`lease_owner`) REFERENCES `devices`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `latest_measurements` ADD CONSTRAINT `latest_measurements_model_id_models_id_fk` FOREIGN KEY (`model_id`) REFERENCES `models`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `latest_measurements` ADD CONSTRAINT `latest_measurements_platform_id_platforms_id_fk` FOREIGN KEY (`platform_id`) REFERENCES `platforms`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `latest_measurements` ADD CONSTRAINT `latest_measurements_measurement_id_measurements_id_fk` FOREIGN KEY (`measurement_id`) REFERENCES `measurements`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `measurements` ADD CONSTRAINT `measurements_model_id_models_id_fk` FOREIGN KEY (`model_id`) REFERENCES `models`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `measurements` ADD CONSTRAINT `measurements_platform_id_platforms_id_fk` FOREIGN KEY (`platform_id`) REFERENCES `platforms`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `measurements` ADD CONSTRAINT `measurements_device_id_devices_id_fk` FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `memberships` ADD CONSTRAINT `memberships_team_id_teams_id_fk` FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `memberships` ADD CONSTRAINT `memberships_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `model_blobs` ADD CONSTRAINT `model_blobs_model_id_models_id_fk` FOREIGN KEY (`model_id`) REFERENCES `models`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `models` ADD CONSTRAINT `models_family_architecture_families_name_fk` FOREIGN KEY (`family`) REFERENCES `architecture_families`(`name`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `models` ADD CONSTRAINT `models_owner_team_id_teams_id_fk` FOREIGN KEY (`owner_team_id`) REFERENCES `teams`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `models` ADD CONSTRAINT `models_uploaded_by_users_id_fk` FOREIGN KEY (`uploaded_by`) REFERENCES `users`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `predictions` ADD CONSTRAINT `predictions_model_id_models_id_fk` FOREIGN KEY (`model_id`) REFERENCES `models`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `predictions` ADD CONSTRAINT `predictions_platform_id_platforms_id_fk` FOREIGN KEY (`platform_id`) REFERENCES `platforms`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `predictions` ADD CONSTRAINT `predictions_predictor_version_id_predictor_versions_id_fk` FOREIGN KEY (`predictor_version_id`) REFERENCES `predictor_versions`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `quotas` ADD CONSTRAINT `quotas_team_id_teams_id_fk` FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `quotas` ADD CONSTRAINT `quotas_platform_id_platforms_id_fk` FOREIGN KEY (`platform_id`) REFERENCES `platforms`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `quotas` ADD CONSTRAINT `quotas_set_by_users_id_fk` FOREIGN KEY (`set_by`) REFERENCES `users`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `teams` ADD CONSTRAINT `teams_created_by_users_id_fk` FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `usage_ledger` ADD CONSTRAINT `usage_ledger_team_id_teams_id_fk` FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `usage_ledger` ADD CONSTRAINT `usage_ledger_platform_id_platforms_id_fk` FOREIGN KEY (`platform_id`) REFERENCES `platforms`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `usage_ledger` ADD CONSTRAINT `usage_ledger_job_id_jobs_id_fk` FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `usage_ledger` ADD CONSTRAINT `usage_ledger_created_by_users_id_fk` FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `api_keys_team_idx` ON `api_keys` (`team_id`);--> statement-breakpoint
CREATE INDEX `jobs_claim_idx` ON `jobs` (`state`,`platform_id`,`priority`,`id`);--> statement-breakpoint
CREATE INDEX `jobs_lease_idx` ON `jobs` (`state`,`lease_expires_at`);--> statement-breakpoint
CREATE INDEX `jobs_team_idx` ON `jobs` (`team_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `jobs_model_idx` ON `jobs` (`model_id`,`platform_id`,`batch`);--> statement-breakpoint
CREATE INDEX `latest_platform_family_median_idx` ON `latest_measurements` (`platform_id`,`family`,`median_ms`,`model_id`);--> statement-breakpoint
CREATE INDEX `latest_platform_median_idx` ON `latest_measurements` (`platform_id`,`median_ms`,`model_id`);--> statement-breakpoint
CREATE INDEX `latest_platform_batch_median_idx` ON `latest_measurements` (`platform_id`,`batch`,`median_ms`);--> statement-breakpoint
CREATE INDEX `latest_platform_flops_idx` ON `latest_measurements` (`platform_id`,`flops`);--> statement-breakpoint
CREATE INDEX `latest_owner_idx` ON `latest_measurements` (`owner_team_id`);--> statement-breakpoint
CREATE INDEX `measurements_pair_idx` ON `measurements` (`model_id`,`platform_id`,`batch`,`measured_at`);--> statement-breakpoint
CREATE INDEX `measurements_platform_time_idx` ON `measurements` (`platform_id`,`measured_at`);--> statement-breakpoint
CREATE INDEX `memberships_user_idx` ON `memberships` (`user_id`);--> statement-breakpoint
CREATE INDEX `models_family_idx` ON `models` (`family`);--> statement-breakpoint
CREATE INDEX `models_owner_idx` ON `models` (`owner_team_id`);--> statement-breakpoint
CREATE INDEX `models_visibility_family_idx` ON `models` (`visibility`,`family`);--> statement-breakpoint
CREATE INDEX `platforms_hardware_idx` ON `platforms` (`hardware`);--> statement-breakpoint
CREATE INDEX `predictions_version_platform_idx` ON `predictions` (`predictor_version_id`,`platform_id`);--> statement-breakpoint
CREATE INDEX `predictor_versions_method_status_idx` ON `predictor_versions` (`method`,`status`);--> statement-breakpoint
CREATE INDEX `usage_team_platform_month_idx` ON `usage_ledger` (`team_id`,`platform_id`,`month`);