"""Reading a downloaded page: its tags, licence markup and the images it references."""
