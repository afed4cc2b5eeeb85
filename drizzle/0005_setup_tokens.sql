CREATE TABLE `setup_tokens` (
	`id` int AUTO_INCREMENT NOT NULL,
	`hash` char(64) NOT NULL,
	`expires_at` datetime(3) NOT NULL,
	`used_at` datetime(3),
	`used_by` int,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `setup_tokens_id` PRIMARY KEY(`id`),
	CONSTRAINT `setup_tokens_hash_uq` UNIQUE(`hash`)
);
--> statement-breakpoint
ALTER TABLE `setup_tokens` ADD CONSTRAINT `setup_tokens_used_by_users_id_fk` FOREIGN KEY (`used_by`) REFERENCES `users`(`id`) ON DELETE set null ON UPDATE no action;