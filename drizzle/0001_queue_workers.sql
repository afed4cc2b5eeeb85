CREATE TABLE `model_access` (
	`model_id` int NOT NULL,
	`team_id` int NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `model_access_model_id_team_id_pk` PRIMARY KEY(`model_id`,`team_id`)
);
--> statement-breakpoint
CREATE TABLE `worker_tokens` (
	`id` int AUTO_INCREMENT NOT NULL,
	`name` varchar(100) NOT NULL,
	`prefix` varchar(16) NOT NULL,
	`hash` char(64) NOT NULL,
	`allow_new_platforms` boolean NOT NULL DEFAULT true,
	`created_by` int,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`last_used_at` datetime(3),
	`revoked_at` datetime(3),
	CONSTRAINT `worker_tokens_id` PRIMARY KEY(`id`),
	CONSTRAINT `worker_tokens_prefix_uq` UNIQUE(`prefix`),
	CONSTRAINT `worker_tokens_hash_uq` UNIQUE(`hash`)
);
--> statement-breakpoint
ALTER TABLE `devices` ADD `worker_token_id` int;--> statement-breakpoint
ALTER TABLE `model_access` ADD CONSTRAINT `model_access_model_id_models_id_fk` FOREIGN KEY (`model_id`) REFERENCES `models`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `model_access` ADD CONSTRAINT `model_access_team_id_teams_id_fk` FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `worker_tokens` ADD CONSTRAINT `worker_tokens_created_by_users_id_fk` FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `model_access_team_idx` ON `model_access` (`team_id`);--> statement-breakpoint
ALTER TABLE `devices` ADD CONSTRAINT `devices_worker_token_id_worker_tokens_id_fk` FOREIGN KEY (`worker_token_id`) REFERENCES `worker_tokens`(`id`) ON DELETE set null ON UPDATE no action;