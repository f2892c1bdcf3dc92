window.YTD.deleted_note_tweet.part0 = [
  {
    "noteTweet" : {
      "noteTweetId" : "1759895670012345678",
      "updatedAt" : "2024-02-20T11:00:00.000Z",
      "lifecycle" : {
        "value" : "deleted",
        "name" : "Deleted",
        "originalName" : "Deleted",
        "annotations" : {}
      },
      "createdAt" : "2024-02-20T11:00:00.000Z",
      "core" : {
        "styletags" : [],
        "urls" : [],
        "text" : "Today we mark ten years of the bilateral scholarship programme: 412 students have studied in both countries, and many of them now teach in the universities that hosted them. Our thanks go to the families who welcomed them, to the two ministries of education, and to the alumni association, which now runs its own mentoring scheme for the next cohort.",
        "mentions" : [],
        "cashtags" : [],
        "hashtags" : []
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1759956068012345678",
      "updatedAt" : "2024-02-20T15:00:00.000Z",
      "lifecycle" : {
        "value" : "deleted",
        "name" : "Deleted",
        "originalName" : "Deleted",
        "annotations" : {}
      },
      "createdAt" : "2024-02-20T15:00:00.000Z",
      "core" : {
        "styletags" : [],
        "urls" : [],
        "text" : "A draft the account deleted before anyone saw it: never to be shown.",
        "mentions" : [],
        "cashtags" : [],
        "hashtags" : []
      }
    }
  }
]
