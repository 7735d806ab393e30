"""Every write of disclosure/: records (drafts, publication, corrections, co-signs, objections), the XLSX import
of monthly lines, and the overdue flags with their notifications."""
