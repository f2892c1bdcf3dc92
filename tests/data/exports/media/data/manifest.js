window.__THAR_CONFIG = {
  "userInfo" : {
    "accountId" : "1366700000000000001",
    "userName" : "Mission_Lima",
    "displayName" : "Mission in Lima"
  },
  "archiveInfo" : {
    "sizeBytes" : "48213",
    "generationDate" : "2024-03-01T08:12:44.120Z",
    "isPartialArchive" : false,
    "maxPartSizeBytes" : "53687091200"
  },
  "dataTypes" : {
    "account" : {
      "files" : [
        {
          "fileName" : "data/account.js",
          "globalName" : "YTD.account.part0",
          "count" : "1"
        }
      ]
    },
    "tweets" : {
      "files" : [
        {
          "fileName" : "data/tweets.js",
          "globalName" : "YTD.tweets.part0",
          "count" : "4"
        }
      ]
    },
    "tweetsMedia" : {
      "mediaDirectory" : "data/tweets_media"
    }
  }
}